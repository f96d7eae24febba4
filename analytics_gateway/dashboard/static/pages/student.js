// Student-in-course page: summary, page views per day or hour, participations, assignments against the
// class distribution, and messaging per day, in one query.

import { COLORS, chartFigure, hasBoxPlot, timeAxes, updateChart } from "../charts.js";
import { LEVELS, fmt, h, levelBadge, section, short, statCards, table } from "../dom.js";
import { seg } from "../nav.js";
import { STUDENT_QUERY } from "../queries.js";

export function load(route) {
  return {
    what: `student ${route.params.studentId} in course ${route.params.courseId}`,
    query: STUDENT_QUERY,
    variables: { courseId: route.params.courseId, studentId: route.params.studentId },
  };
}

export function crumbs(data, route) {
  const course = data && data.course;
  const student = data && data.student;
  const items = [{ label: "Home", href: "#/" }];
  if (course && course.account) {
    items.push({
      label: course.account.name || `Account ${course.account._id}`,
      href: `#/account/${seg(course.account._id)}`,
    });
  }
  items.push({
    label: (course && (course.courseCode || course.name)) || `Course ${route.params.courseId}`,
    href: `#/course/${seg(route.params.courseId)}`,
  });
  items.push({ label: (student && student.name) || `Student ${route.params.studentId}` });
  return items;
}

const STATUS_LABEL = { ON_TIME: "On time", LATE: "Late", MISSING: "Missing", FLOATING: "Not due / excused" };
const pctOf = (value, points) =>
  value === null || value === undefined || !points ? null : (100 * value) / points;

function pageViewConfig(rows, key, unit) {
  return {
    type: "bar",
    data: {
      labels: rows.map((r) => (unit === "hour" ? fmt.hour(r.hour) : r.date)),
      datasets: [{ label: "Page views", data: rows.map((r) => r.views), backgroundColor: COLORS.views }],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: timeAxes({ yTitle: `Page views per ${unit}` }),
    },
  };
}

function pageViewLabel(rows, unit) {
  if (!rows.length) return "No page views in this course.";
  const total = rows.reduce((a, r) => a + r.views, 0);
  const first = unit === "hour" ? fmt.hour(rows[0].hour) : rows[0].date;
  const last = unit === "hour" ? fmt.hour(rows[rows.length - 1].hour) : rows[rows.length - 1].date;
  return `Bar chart of page views per ${unit} (UTC): ${fmt.int(total)} page views in ${rows.length} ${unit}s with activity, from ${first} to ${last}.`;
}

function pageViewsFigure(activity) {
  const daily = activity.daily;
  const hourly = activity.hourly;
  const radio = (value, text, checked) =>
    h(
      "label",
      { class: "radio" },
      h("input", { type: "radio", name: "pv-unit", value, checked, dataset: { focusKey: `pv-${value}` } }),
      ` ${text}`,
    );
  const controls = h(
    "fieldset",
    { class: "toolbar" },
    h("legend", {}, "Show page views"),
    radio("day", "per day", true),
    radio("hour", "per hour", false),
  );
  const dailyTable = table({
    caption: "Page views per day",
    columns: [
      { key: "date", label: "Date (UTC)" },
      { key: "views", label: "Page views", numeric: true, format: fmt.int },
    ],
    rows: daily,
    rowKey: (r) => r.date,
  });
  const hourlyTable = h(
    "details",
    { class: "data-table" },
    h("summary", {}, "Data table: page views per hour"),
    table({
      caption: "Page views per hour",
      columns: [
        { key: "hour", label: "Hour (UTC)", format: fmt.hour },
        { key: "views", label: "Page views", numeric: true, format: fmt.int },
      ],
      rows: hourly,
      rowKey: (r) => r.hour,
    }),
  );
  const figure = chartFigure({
    id: "student-page-views",
    title: "Page views",
    label: pageViewLabel(daily, "day"),
    config: pageViewConfig(daily, "date", "day"),
    table: dailyTable,
    controls,
  });
  figure.append(hourlyTable);
  controls.addEventListener("change", (event) => {
    const unit = event.target.value;
    const rows = unit === "hour" ? hourly : daily;
    updateChart(
      figure,
      pageViewConfig(rows, unit === "hour" ? "hour" : "date", unit),
      pageViewLabel(rows, unit),
    );
  });
  return figure;
}

function participationsSection(participations) {
  return section(
    "participations",
    `Participations (${fmt.int(participations.length)})`,
    participations.length
      ? table({
          caption: "Participations, oldest first",
          className: "compact",
          columns: [
            { key: "createdAt", label: "When (UTC)", format: fmt.time },
            { key: "url", label: "Page", cell: (r) => h("code", {}, r.url || "–") },
          ],
          rows: participations,
        })
      : h("p", {}, "No participations in this course."),
  );
}

function assignmentsFigure(assignments) {
  const boxes = assignments.map((a) => {
    const s = a.statistics;
    const p = (v) => pctOf(v, a.pointsPossible);
    return !s || s.median === null || !a.pointsPossible
      ? null
      : {
          min: p(s.minScore),
          whiskerMin: p(s.minScore),
          q1: p(s.firstQuartile),
          median: p(s.median),
          q3: p(s.thirdQuartile),
          max: p(s.maxScore),
          whiskerMax: p(s.maxScore),
        };
  });
  const own = assignments.map((a) =>
    a.submission && !a.submission.scoreHidden ? pctOf(a.submission.score, a.pointsPossible) : null,
  );
  const scored = own.filter((v) => v !== null).length;
  const label =
    `Box plots of the class's scores on ${assignments.length} assignments (% of points possible) with this ` +
    `student's score marked as a diamond on ${scored} of them.`;
  const config = hasBoxPlot()
    ? {
        type: "boxplot",
        data: {
          labels: assignments.map((a) => short(a.title)),
          datasets: [
            {
              type: "line",
              label: "This student",
              data: own,
              showLine: false,
              pointStyle: "rectRot",
              pointRadius: 7,
              pointHoverRadius: 8,
              backgroundColor: COLORS.score,
              borderColor: "#000000",
              borderWidth: 1,
              order: 0,
            },
            {
              label: "Class (min, quartiles, max)",
              data: boxes,
              backgroundColor: "rgba(86, 180, 233, 0.45)",
              borderColor: COLORS.views,
              borderWidth: 1.5,
              medianColor: "#000000",
              itemRadius: 0,
              outlierRadius: 0,
              meanRadius: 0,
              order: 1,
            },
          ],
        },
        options: {
          scales: {
            x: { ticks: { autoSkip: false, maxRotation: 50 } },
            y: { beginAtZero: true, title: { display: true, text: "% of points possible" } },
          },
        },
      }
    : null;
  const stat = (key) => (a) => (a.statistics ? a.statistics[key] : null);
  return chartFigure({
    id: "student-assignments",
    title: "Scores against the class (% of points possible)",
    label,
    height: 340,
    config,
    table: table({
      caption: "Assignments: status, score and the class's distribution (points)",
      className: "assignments",
      columns: [
        { key: "title", label: "Assignment" },
        { key: "dueAt", label: "Due (UTC)", format: fmt.time },
        {
          key: "status",
          label: "Status",
          cell: (a) =>
            h(
              "span",
              { class: `status status-${a.status.toLowerCase()}` },
              STATUS_LABEL[a.status] || a.status,
            ),
        },
        {
          key: "score",
          label: "Score",
          numeric: true,
          value: (a) => (a.submission ? a.submission.score : null),
          format: (v, a) =>
            a.submission && a.submission.scoreHidden
              ? "hidden"
              : a.submission && a.submission.excused
                ? "excused"
                : fmt.num(v),
        },
        { key: "pointsPossible", label: "Points", numeric: true, format: fmt.num },
        { key: "minScore", label: "Min", numeric: true, value: stat("minScore"), format: fmt.num },
        { key: "firstQuartile", label: "Q1", numeric: true, value: stat("firstQuartile"), format: fmt.num },
        { key: "median", label: "Median", numeric: true, value: stat("median"), format: fmt.num },
        { key: "thirdQuartile", label: "Q3", numeric: true, value: stat("thirdQuartile"), format: fmt.num },
        { key: "maxScore", label: "Max", numeric: true, value: stat("maxScore"), format: fmt.num },
      ],
      rows: assignments,
      rowKey: (a) => a._id,
    }),
  });
}

function communicationFigure(days) {
  const instructor = days.reduce((a, d) => a + d.instructorMessages, 0);
  const student = days.reduce((a, d) => a + d.studentMessages, 0);
  const label = days.length
    ? `Bar chart of messages per day on ${days.length} days: ${fmt.int(instructor)} from instructors, ${fmt.int(student)} from the student.`
    : "No messages between this student and the instructors.";
  return chartFigure({
    id: "student-communication",
    title: "Messages with the instructors per day (UTC)",
    label,
    height: 240,
    config: {
      type: "bar",
      data: {
        labels: days.map((d) => d.date),
        datasets: [
          {
            label: "Instructor messages",
            data: days.map((d) => d.instructorMessages),
            backgroundColor: COLORS.instructor,
            maxBarThickness: 28,
          },
          {
            label: "Student messages",
            data: days.map((d) => d.studentMessages),
            backgroundColor: COLORS.student,
            maxBarThickness: 28,
          },
        ],
      },
      options: { interaction: { mode: "index", intersect: false }, scales: timeAxes({ yTitle: "Messages" }) },
    },
    table: table({
      caption: "Messages per day",
      columns: [
        { key: "date", label: "Date (UTC)" },
        { key: "instructorMessages", label: "Instructor messages", numeric: true, format: fmt.int },
        { key: "studentMessages", label: "Student messages", numeric: true, format: fmt.int },
      ],
      rows: days,
      rowKey: (d) => d.date,
    }),
  });
}

export function render(data, route) {
  const course = data.course;
  const student = data.student;
  const summary = student.summaryAnalytics;
  const activity = student.activity || { daily: [], hourly: [], participations: [], pageViews: 0 };
  const tardiness = summary ? summary.tardinessBreakdown : null;
  const levelNote = (a) => h("span", {}, levelBadge(a.level), ` · class max ${fmt.int(a.max)}`);
  return [
    h("h1", { dataset: { studentId: student._id } }, student.name || `Student ${student._id}`),
    h(
      "p",
      { class: "lead" },
      "In ",
      h("a", { href: `#/course/${seg(route.params.courseId)}` }, course.name || `course ${course._id}`),
      student.sortableName ? ` · ${student.sortableName}` : null,
    ),
    summary
      ? statCards(
          [
            {
              key: "pageViews",
              label: "Page views",
              value: summary.pageViews.total,
              note: levelNote(summary.pageViews),
            },
            {
              key: "participations",
              label: "Participations",
              value: summary.participations.total,
              note: levelNote(summary.participations),
            },
            {
              key: "onTime",
              label: "On time",
              value: tardiness.onTime,
              note: `of ${fmt.int(tardiness.total)} assignments`,
            },
            { key: "late", label: "Late", value: tardiness.late },
            { key: "missing", label: "Missing", value: tardiness.missing },
            { key: "floating", label: "Not due / excused", value: tardiness.floating },
          ],
          `Summary (activity levels: ${LEVELS.join(", ")})`,
        )
      : null,
    section("activity", "Activity", pageViewsFigure(activity)),
    section("assignments", "Assignments", assignmentsFigure(student.assignments || [])),
    section("communication", "Messaging", communicationFigure(student.communication || [])),
    participationsSection(activity.participations),
  ];
}
