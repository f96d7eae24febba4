// Course page: activity per day, assignment score distributions (box plots) and tardiness (stacked bars),
// and the students table (every StudentSortField, cursor paging), in one query.

import { COLORS, chartFigure, dailyActivityTable, hasBoxPlot, timeAxes } from "../charts.js";
import { fmt, h, levelBadge, section, short, statCards, table } from "../dom.js";
import { href, navigate, seg } from "../nav.js";
import { pageNumber, pageVariables, pager } from "../pager.js";
import { COURSE_QUERY } from "../queries.js";

/** The schema's StudentSortField values, with their labels and the direction a first click picks. */
export const SORTS = [
  { field: "NAME", label: "Name", first: "ASCENDING" },
  { field: "SCORE", label: "Current score", first: "DESCENDING" },
  { field: "PARTICIPATIONS", label: "Participations", first: "DESCENDING" },
  { field: "PAGE_VIEWS", label: "Page views", first: "DESCENDING" },
];
const DIRECTIONS = ["ASCENDING", "DESCENDING"];

function sortOf(query) {
  const field = SORTS.some((s) => s.field === query.get("sort")) ? query.get("sort") : "NAME";
  const direction = DIRECTIONS.includes(query.get("dir")) ? query.get("dir") : "ASCENDING";
  return { field, direction };
}

export function load(route) {
  return {
    what: `course ${route.params.courseId}`,
    query: COURSE_QUERY,
    variables: { courseId: route.params.courseId, sort: sortOf(route.query), ...pageVariables(route.query) },
  };
}

export function crumbs(data, route) {
  const course = data && data.course;
  const items = [{ label: "Home", href: "#/" }];
  if (course && course.account) {
    items.push({
      label: course.account.name || `Account ${course.account._id}`,
      href: `#/account/${seg(course.account._id)}`,
    });
  }
  items.push({ label: (course && (course.courseCode || course.name)) || `Course ${route.params.courseId}` });
  return items;
}

const sum = (rows, key) => rows.reduce((acc, r) => acc + (r[key] || 0), 0);
const pctOf = (value, points) =>
  value === null || value === undefined || !points ? null : (100 * value) / points;

function activityFigure(activity) {
  const views = sum(activity, "views");
  const parts = sum(activity, "participations");
  const busiest = activity.reduce((best, d) => (!best || d.views > best.views ? d : best), null);
  const label = activity.length
    ? `Bar chart of page views with a line of participations per day, ${activity.length} days from ` +
      `${activity[0].date} to ${activity[activity.length - 1].date}: ${fmt.int(views)} page views and ` +
      `${fmt.int(parts)} participations; busiest day ${busiest.date} with ${fmt.int(busiest.views)} page views.`
    : "No page views recorded in this course.";
  return chartFigure({
    id: "course-activity",
    title: "Page views and participations per day (UTC)",
    label,
    config: {
      type: "bar",
      data: {
        labels: activity.map((d) => d.date),
        datasets: [
          {
            type: "line",
            label: "Participations",
            data: activity.map((d) => d.participations),
            borderColor: COLORS.participations,
            backgroundColor: COLORS.participations,
            pointRadius: 0,
            borderWidth: 2,
            order: 0,
          },
          {
            label: "Page views",
            data: activity.map((d) => d.views),
            backgroundColor: COLORS.views,
            order: 1,
          },
        ],
      },
      options: { interaction: { mode: "index", intersect: false }, scales: timeAxes({ yTitle: "Count" }) },
    },
    table: dailyActivityTable(activity),
  });
}

function scoresFigure(assignments) {
  const boxes = assignments.map((a) => {
    const p = (v) => pctOf(v, a.pointsPossible);
    return a.median === null || !a.pointsPossible
      ? null
      : {
          min: p(a.minScore),
          whiskerMin: p(a.minScore),
          q1: p(a.firstQuartile),
          median: p(a.median),
          q3: p(a.thirdQuartile),
          max: p(a.maxScore),
          whiskerMax: p(a.maxScore),
        };
  });
  const scored = boxes.filter(Boolean).length;
  const label =
    `Box plots of the score distribution of ${assignments.length} assignments as a percentage of points ` +
    `possible (${scored} with scores): minimum, first quartile, median, third quartile and maximum.`;
  return chartFigure({
    id: "course-scores",
    title: "Score distribution per assignment (% of points possible)",
    label,
    height: 340,
    config: hasBoxPlot()
      ? {
          type: "boxplot",
          data: {
            labels: assignments.map((a) => short(a.title)),
            datasets: [
              {
                label: "Scores (% of points possible)",
                data: boxes,
                backgroundColor: "rgba(86, 180, 233, 0.45)",
                borderColor: COLORS.views,
                borderWidth: 1.5,
                medianColor: "#000000",
                itemRadius: 0,
                outlierRadius: 0,
                meanRadius: 0,
              },
            ],
          },
          options: {
            plugins: { legend: { display: false } },
            scales: {
              x: { ticks: { autoSkip: false, maxRotation: 50, minRotation: 0 } },
              y: { beginAtZero: true, title: { display: true, text: "% of points possible" } },
            },
          },
        }
      : null,
    table: table({
      caption: "Score distribution per assignment (points)",
      columns: [
        { key: "title", label: "Assignment" },
        { key: "pointsPossible", label: "Points", numeric: true, format: fmt.num },
        { key: "minScore", label: "Min", numeric: true, format: fmt.num },
        { key: "firstQuartile", label: "Q1", numeric: true, format: fmt.num },
        { key: "median", label: "Median", numeric: true, format: fmt.num },
        { key: "thirdQuartile", label: "Q3", numeric: true, format: fmt.num },
        { key: "maxScore", label: "Max", numeric: true, format: fmt.num },
      ],
      rows: assignments,
      rowKey: (a) => a._id,
    }),
  });
}

const STATUS = [
  { key: "onTime", label: "On time", color: COLORS.onTime },
  { key: "late", label: "Late", color: COLORS.late },
  { key: "missing", label: "Missing", color: COLORS.missing },
  { key: "floating", label: "Not due / excused", color: COLORS.floating },
];

function tardinessFigure(assignments) {
  const label =
    `Stacked bar chart of ${assignments.length} assignments: the share of assigned students on time, late, ` +
    "missing, and not yet due or excused.";
  return chartFigure({
    id: "course-tardiness",
    title: "On time, late and missing per assignment",
    label,
    height: Math.max(220, 60 + 30 * assignments.length),
    config: {
      type: "bar",
      data: {
        // Non-digital assignments have no submissions to be late with: say so where the bar is empty.
        labels: assignments.map((a) =>
          a.nonDigitalSubmission ? `${short(a.title, 20)} (not digital)` : short(a.title, 30),
        ),
        datasets: STATUS.map((s) => ({
          label: s.label,
          data: assignments.map((a) => 100 * a.tardinessBreakdown[s.key]),
          backgroundColor: s.color,
        })),
      },
      options: {
        indexAxis: "y",
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, min: 0, max: 100, title: { display: true, text: "% of assigned students" } },
          y: { stacked: true, ticks: { autoSkip: false } },
        },
      },
    },
    table: table({
      caption: "Share of assigned students per status",
      columns: [
        { key: "title", label: "Assignment" },
        ...STATUS.map((s) => ({
          key: s.key,
          label: s.label,
          numeric: true,
          value: (a) => a.tardinessBreakdown[s.key],
          format: fmt.pct,
        })),
        {
          key: "total",
          label: "Students",
          numeric: true,
          value: (a) => a.tardinessBreakdown.total,
          format: fmt.int,
        },
      ],
      rows: assignments,
      rowKey: (a) => a._id,
    }),
  });
}

function sortControls(route, sort) {
  const path = `/course/${seg(route.params.courseId)}`;
  const field = h(
    "select",
    { id: "sort-field" },
    SORTS.map((s) => h("option", { value: s.field, selected: s.field === sort.field }, s.label)),
  );
  const direction = h(
    "select",
    { id: "sort-direction" },
    DIRECTIONS.map((d) =>
      h(
        "option",
        { value: d, selected: d === sort.direction },
        d === "ASCENDING" ? "Ascending" : "Descending",
      ),
    ),
  );
  const form = h(
    "form",
    { class: "toolbar", id: "student-sort", "aria-label": "Order of the students" },
    h("label", { for: "sort-field" }, "Order by"),
    field,
    h("label", { for: "sort-direction" }, "Direction"),
    direction,
    h("button", { type: "submit", class: "button", dataset: { focusKey: "sort-apply" } }, "Sort"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    navigate(href(path, { sort: field.value, dir: direction.value }), { keepFocus: "sort-apply" });
  });
  return form;
}

function sortHeader(route, sort, field, label) {
  const active = sort.field === field;
  const spec = SORTS.find((s) => s.field === field);
  const next = active ? (sort.direction === "ASCENDING" ? "DESCENDING" : "ASCENDING") : spec.first;
  const target = href(`/course/${seg(route.params.courseId)}`, { sort: field, dir: next });
  const arrow = active ? (sort.direction === "ASCENDING" ? "▲" : "▼") : "↕";
  return h(
    "th",
    {
      scope: "col",
      class: field === "NAME" ? null : "num",
      "aria-sort": active ? sort.direction.toLowerCase() : null,
    },
    h(
      "button",
      {
        type: "button",
        class: "sort",
        dataset: { sort: field, focusKey: `sort-${field}` },
        "aria-describedby": "sort-help",
        on: { click: () => navigate(target, { keepFocus: `sort-${field}` }) },
      },
      label,
      h("span", { class: "sort-arrow", "aria-hidden": "true" }, ` ${arrow}`),
    ),
  );
}

function studentsSection(course, route) {
  const sort = sortOf(route.query);
  const connection = course.studentsConnection;
  const page = pageNumber(route.query);
  const path = `/course/${seg(route.params.courseId)}`;
  const rows = connection.nodes.map((s) => ({ ...s, a: s.summaryAnalytics || null }));
  const th = (label, numeric = true) => h("th", { scope: "col", class: numeric ? "num" : null }, label);
  const tb = (r, key) => (r.a ? r.a.tardinessBreakdown[key] : null);
  const columns = [
    {
      key: "name",
      header: sortHeader(route, sort, "NAME", "Student"),
      cell: (r) =>
        h("a", { href: `#/course/${seg(course._id)}/student/${seg(r._id)}` }, r.name || `User ${r._id}`),
    },
    {
      key: "pageViews",
      header: sortHeader(route, sort, "PAGE_VIEWS", "Page views"),
      numeric: true,
      value: (r) => r.a?.pageViews.total,
      format: fmt.int,
    },
    {
      key: "pageViewsLevel",
      header: th("Page-view level", false),
      value: (r) => r.a?.pageViews.level,
      cell: (r) => (r.a ? levelBadge(r.a.pageViews.level) : "–"),
    },
    {
      key: "participations",
      header: sortHeader(route, sort, "PARTICIPATIONS", "Participations"),
      numeric: true,
      value: (r) => r.a?.participations.total,
      format: fmt.int,
    },
    {
      key: "participationsLevel",
      header: th("Participation level", false),
      value: (r) => r.a?.participations.level,
      cell: (r) => (r.a ? levelBadge(r.a.participations.level) : "–"),
    },
    { key: "onTime", header: th("On time"), numeric: true, value: (r) => tb(r, "onTime"), format: fmt.int },
    { key: "late", header: th("Late"), numeric: true, value: (r) => tb(r, "late"), format: fmt.int },
    { key: "missing", header: th("Missing"), numeric: true, value: (r) => tb(r, "missing"), format: fmt.int },
    {
      key: "floating",
      header: th("Not due / excused"),
      numeric: true,
      value: (r) => tb(r, "floating"),
      format: fmt.int,
    },
    { key: "total", header: th("Assignments"), numeric: true, value: (r) => tb(r, "total"), format: fmt.int },
  ];
  const sortLabel = SORTS.find((s) => s.field === sort.field).label.toLowerCase();
  return section(
    "students",
    `Students (${fmt.int(connection.totalCount)})`,
    sortControls(route, sort),
    h(
      "p",
      { id: "sort-help", class: "help" },
      "Buttons in the column headers sort the table; press one again to reverse the order. Levels compare each student with the class: none, low (below the first quartile), medium, high.",
    ),
    table({
      caption: `Students by ${sortLabel}, ${sort.direction.toLowerCase()}`,
      className: "students",
      columns,
      rows,
      rowKey: (r) => r._id,
    }),
    pager({
      id: "students-pager",
      label: "Student pages",
      path,
      keep: { sort: sort.field, dir: sort.direction },
      connection,
      count: rows.length,
      page,
      noun: "Students",
    }),
  );
}

export function render(data, route) {
  const course = data.course;
  const analytics = course.analytics || { activity: [], assignments: [] };
  const activity = analytics.activity || [];
  const assignments = analytics.assignments || [];
  return [
    h("h1", { dataset: { courseId: course._id } }, course.name || `Course ${course._id}`),
    h(
      "p",
      { class: "lead" },
      [course.courseCode, course.term && course.term.name, course.workflowState.toLowerCase()]
        .filter(Boolean)
        .join(" · "),
      course.account
        ? [
            " · ",
            h("a", { href: `#/account/${seg(course.account._id)}` }, course.account.name || "Department"),
          ]
        : null,
    ),
    statCards(
      [
        { key: "pageViews", label: "Page views", value: sum(activity, "views") },
        { key: "participations", label: "Participations", value: sum(activity, "participations") },
        { key: "students", label: "Students", value: course.studentsConnection.totalCount },
        { key: "assignments", label: "Assignments", value: assignments.length },
      ],
      "Course totals",
    ),
    section("activity", "Activity", activityFigure(activity)),
    section(
      "assignments",
      "Assignments",
      h("div", { class: "grid grid-2" }, scoresFigure(assignments), tardinessFigure(assignments)),
    ),
    studentsSection(course, route),
  ];
}
