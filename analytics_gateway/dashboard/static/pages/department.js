// Department (account) page: activity by date and by category, the grade distribution (101 bins),
// statistics and statistics by sub-account, for current / completed courses or one term, in one query.

import { COLORS, PALETTE, chartFigure, dailyActivityTable, timeAxes } from "../charts.js";
import { fmt, h, section, statCards, table } from "../dom.js";
import { href, navigate, seg } from "../nav.js";
import { DEPARTMENT_QUERY } from "../queries.js";

const FILTERS = [
  { value: "current", label: "Current courses", gql: "CURRENT" },
  { value: "completed", label: "Completed courses", gql: "COMPLETED" },
  { value: "term", label: "Courses of a term", gql: "TERM" },
];

function filterOf(query) {
  const found = FILTERS.find((f) => f.value === query.get("filter")) || FILTERS[0];
  const term = found.value === "term" ? query.get("term") || "current" : null;
  return { filter: found, term };
}

export function load(route) {
  const { filter, term } = filterOf(route.query);
  return {
    what: `department ${route.params.accountId}`,
    query: DEPARTMENT_QUERY,
    variables: { accountId: route.params.accountId, filter: filter.gql, termId: term },
  };
}

export function crumbs(data, route) {
  const account = data && data.account;
  const items = [{ label: "Home", href: "#/" }];
  if (account && account.parentAccount) {
    items.push({
      label: account.parentAccount.name || `Account ${account.parentAccount._id}`,
      href: `#/account/${seg(account.parentAccount._id)}`,
    });
  }
  items.push({ label: (account && account.name) || `Account ${route.params.accountId}` });
  return items;
}

function termOptions(account) {
  const seen = new Map();
  for (const course of account.courses.nodes) if (course.term) seen.set(course.term._id, course.term);
  return [...seen.values()].sort((a, b) => String(b.startAt || "").localeCompare(String(a.startAt || "")));
}

function filterForm(account, route) {
  const { filter, term } = filterOf(route.query);
  const path = `/account/${seg(route.params.accountId)}`;
  const radios = FILTERS.map((f) =>
    h(
      "label",
      { class: "radio" },
      h("input", { type: "radio", name: "filter", value: f.value, checked: f.value === filter.value }),
      ` ${f.label}`,
    ),
  );
  const known = termOptions(account);
  const select = h(
    "select",
    { id: "term-select" },
    h("option", { value: "current", selected: term === "current" }, "The current term"),
    h("option", { value: "default", selected: term === "default" }, "The default term"),
    known.map((t) =>
      h("option", { value: t._id, selected: term === t._id }, `${t.name || "Term"} (id ${t._id})`),
    ),
  );
  const other = h("input", {
    id: "term-other",
    type: "text",
    inputmode: "numeric",
    autocomplete: "off",
    size: "8",
    value: term && !["current", "default"].includes(term) && !known.some((t) => t._id === term) ? term : "",
    "aria-describedby": "term-help",
  });
  const form = h(
    "form",
    { class: "toolbar filter", id: "department-filter" },
    h("fieldset", {}, h("legend", {}, "Which courses"), radios),
    h("div", { class: "field" }, h("label", { for: "term-select" }, "Term"), select),
    h("div", { class: "field" }, h("label", { for: "term-other" }, "or term id"), other),
    h("button", { type: "submit", class: "button", dataset: { focusKey: "filter-apply" } }, "Show"),
    h(
      "p",
      { id: "term-help", class: "help" },
      "The term applies to “Courses of a term”; current and completed courses are those of the default term.",
    ),
  );
  // Picking a term means "courses of a term".
  const pickTerm = () => {
    form.querySelector('input[value="term"]').checked = true;
  };
  select.addEventListener("change", pickTerm);
  other.addEventListener("input", pickTerm);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="filter"]:checked').value;
    const termId = chosen === "term" ? other.value.trim() || select.value : null;
    navigate(href(path, { filter: chosen, term: termId }), { keepFocus: "filter-apply" });
  });
  return form;
}

function activityFigures(activity) {
  const byDate = activity.byDate;
  const byCategory = activity.byCategory;
  const views = byDate.reduce((a, d) => a + d.views, 0);
  const parts = byDate.reduce((a, d) => a + d.participations, 0);
  const top = byCategory.reduce((best, c) => (!best || c.views > best.views ? c : best), null);
  const dateFigure = chartFigure({
    id: "department-activity",
    title: "Page views and participations per day (UTC)",
    label: byDate.length
      ? `Line chart of page views and participations per day, ${byDate.length} days from ${byDate[0].date} to ${byDate[byDate.length - 1].date}: ${fmt.int(views)} page views, ${fmt.int(parts)} participations.`
      : "No page views in these courses.",
    config: {
      type: "line",
      data: {
        labels: byDate.map((d) => d.date),
        datasets: [
          {
            label: "Page views",
            data: byDate.map((d) => d.views),
            borderColor: COLORS.views,
            backgroundColor: COLORS.views,
            pointRadius: 0,
            borderWidth: 2,
          },
          {
            label: "Participations",
            data: byDate.map((d) => d.participations),
            borderColor: COLORS.participations,
            backgroundColor: COLORS.participations,
            pointRadius: 0,
            borderWidth: 2,
            borderDash: [6, 3],
          },
        ],
      },
      options: { interaction: { mode: "index", intersect: false }, scales: timeAxes({ yTitle: "Count" }) },
    },
    table: dailyActivityTable(byDate),
  });
  const categoryFigure = chartFigure({
    id: "department-categories",
    title: "Page views by category",
    label: byCategory.length
      ? `Bar chart of page views in ${byCategory.length} categories; most viewed: ${top.category} with ${fmt.int(top.views)}.`
      : "No page views in these courses.",
    height: Math.max(220, 50 + 26 * byCategory.length),
    config: {
      type: "bar",
      data: {
        labels: byCategory.map((c) => c.category),
        datasets: [
          { label: "Page views", data: byCategory.map((c) => c.views), backgroundColor: COLORS.views },
        ],
      },
      options: {
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: {
          x: { beginAtZero: true, ticks: { precision: 0, maxRotation: 0 } },
          y: { ticks: { autoSkip: false } },
        },
      },
    },
    table: table({
      caption: "Page views by category",
      columns: [
        { key: "category", label: "Category" },
        { key: "views", label: "Page views", numeric: true, format: fmt.int },
      ],
      rows: byCategory,
      rowKey: (c) => c.category,
    }),
  });
  return [dateFigure, categoryFigure];
}

function gradesFigure(grades) {
  const counts = grades.counts;
  const rows = counts.map((count, score) => ({ score, count }));
  const mode = rows.reduce((best, r) => (r.count > best.count ? r : best), rows[0] || { score: 0, count: 0 });
  return chartFigure({
    id: "department-grades",
    title: "Grade distribution (current course scores, rounded)",
    label: grades.hasData
      ? `Histogram of ${fmt.int(grades.total)} students' current scores in 101 bins from 0 to 100; the most common score is ${mode.score} (${fmt.int(mode.count)} students).`
      : "No current scores in these courses.",
    height: 260,
    config: {
      type: "bar",
      data: {
        labels: rows.map((r) => String(r.score)),
        datasets: [
          {
            label: "Students",
            data: counts,
            backgroundColor: COLORS.grades,
            borderColor: PALETTE.black,
            borderWidth: 0,
            barPercentage: 1,
            categoryPercentage: 0.95,
          },
        ],
      },
      options: {
        plugins: { legend: { display: false } },
        scales: {
          x: {
            title: { display: true, text: "Current score (%)" },
            ticks: { autoSkip: true, maxRotation: 0 },
            grid: { display: false },
          },
          y: { beginAtZero: true, title: { display: true, text: "Students" }, ticks: { precision: 0 } },
        },
      },
    },
    table: table({
      caption: `Students per current score (total ${grades.total})`,
      className: "compact",
      columns: [
        { key: "score", label: "Score" },
        { key: "count", label: "Students", numeric: true, format: fmt.int },
      ],
      rows,
      rowKey: (r) => String(r.score),
    }),
  });
}

const STAT_COLUMNS = [
  { key: "courses", label: "Courses" },
  { key: "teachers", label: "Teachers" },
  { key: "students", label: "Students" },
  { key: "discussionTopics", label: "Discussions" },
  { key: "mediaObjects", label: "Media" },
  { key: "attachments", label: "Files" },
  { key: "assignments", label: "Assignments" },
];

function statisticsSection(analytics, account) {
  const stats = analytics.statistics;
  const bySub = analytics.statisticsBySubaccount || [];
  return section(
    "statistics",
    "Statistics",
    stats
      ? statCards(
          [
            { key: "courses", label: "Courses", value: stats.courses },
            { key: "subaccounts", label: "Sub-accounts", value: stats.subaccounts },
            { key: "teachers", label: "Teachers", value: stats.teachers },
            { key: "students", label: "Students", value: stats.students },
            { key: "discussionTopics", label: "Discussions", value: stats.discussionTopics },
            { key: "mediaObjects", label: "Media", value: stats.mediaObjects },
            { key: "attachments", label: "Files", value: stats.attachments },
            { key: "assignments", label: "Assignments", value: stats.assignments },
          ],
          "Department statistics",
        )
      : null,
    table({
      caption: "Statistics by sub-account (the first row: the account's own courses)",
      className: "by-subaccount",
      columns: [
        {
          key: "name",
          label: "Account",
          cell: (r) =>
            r._id === account._id
              ? `${r.name || `Account ${r._id}`} (own courses)`
              : h("a", { href: `#/account/${seg(r._id)}` }, r.name || `Account ${r._id}`),
        },
        ...STAT_COLUMNS.map((c) => ({ ...c, numeric: true, format: fmt.int })),
      ],
      rows: bySub,
      rowKey: (r) => r._id,
    }),
  );
}

export function render(data, route) {
  const account = data.account;
  const analytics = account.analytics;
  const term = analytics && analytics.term;
  const { filter } = filterOf(route.query);
  const nodes = [
    h("h1", { dataset: { accountId: account._id } }, account.name || `Account ${account._id}`),
    h(
      "p",
      { class: "lead" },
      `${filter.label}`,
      term
        ? [
            " · term ",
            h("strong", { dataset: { termId: term._id } }, term.name || term._id),
            term.startAt ? ` (${term.startAt.slice(0, 10)} – ${(term.endAt || "").slice(0, 10)})` : "",
          ]
        : " · no term",
      " · ",
      h("a", { href: `#/account/${seg(account._id)}/courses` }, "list the courses"),
    ),
    filterForm(account, route),
  ];
  if (!analytics) return [...nodes, h("p", { class: "notice" }, "No analytics for this account.")];
  const activity = analytics.activity || { byDate: [], byCategory: [] };
  return [
    ...nodes,
    section("activity", "Activity", h("div", { class: "grid grid-2-1" }, ...activityFigures(activity))),
    section("grades", "Grades", analytics.grades ? gradesFigure(analytics.grades) : h("p", {}, "No grades.")),
    statisticsSection(analytics, account),
  ];
}
