// Charts: Chart.js (vendored, a global `Chart`) with the Okabe-Ito colour-blind-safe palette. Every chart
// is a <figure> whose canvas has role="img" and an aria-label summarising it, followed by its data as a
// real table (under "Data table"), so nothing is only visible as pixels.

import { fmt, h, table } from "./dom.js";

/** Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency. */
export const PALETTE = {
  orange: "#E69F00",
  sky: "#56B4E9",
  green: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  black: "#000000",
  grey: "#8C8C8C",
};

/** Fixed meanings, used the same way on every page. */
export const COLORS = {
  views: PALETTE.blue,
  participations: PALETTE.orange,
  onTime: PALETTE.green,
  late: PALETTE.orange,
  missing: PALETTE.vermillion,
  floating: PALETTE.sky,
  instructor: PALETTE.blue,
  student: PALETTE.orange,
  score: PALETTE.vermillion,
  grades: PALETTE.green,
};

const live = new Set();
let configured = false;

function chartLibrary() {
  const lib = window.Chart;
  if (!lib) return null;
  if (!configured) {
    configured = true;
    lib.defaults.animation = false; // first paint matters more than motion (and respects reduced motion)
    lib.defaults.responsive = true;
    lib.defaults.maintainAspectRatio = false;
    lib.defaults.font.family = getComputedStyle(document.body).fontFamily;
    lib.defaults.font.size = 13;
    lib.defaults.color = "#1f2328";
    lib.defaults.plugins.legend.labels.boxWidth = 14;
  }
  return lib;
}

/** Destroy every chart (before a page is replaced). */
export function destroyCharts() {
  for (const chart of live) chart.destroy();
  live.clear();
}

/**
 * A chart figure. `config` is a Chart.js configuration; `label` the canvas's accessible summary; `table`
 * the same data as a table element (shown under a "Data table" toggle). The chart is drawn by
 * `drawCharts()` once the figure is in the document.
 */
export function chartFigure({ id, title, label, config, table, height = 300, controls = null }) {
  const canvas = h("canvas", { id: `${id}-canvas`, role: "img", "aria-label": label }, label);
  const box = h("div", { class: "chart-box" }, canvas);
  box.style.height = `${height}px`; // CSSOM, not a style attribute: allowed by the page's CSP
  const figure = h(
    "figure",
    { class: "chart", id, dataset: { chart: id } },
    h("figcaption", { class: "chart-title" }, title),
    controls,
    box,
    h("details", { class: "data-table" }, h("summary", {}, `Data table: ${title}`), table),
  );
  figure.chartConfig = config;
  return figure;
}

/** Draw every not-yet-drawn chart figure inside `root`. */
export function drawCharts(root) {
  const lib = chartLibrary();
  for (const figure of root.querySelectorAll("figure.chart")) {
    if (figure.chart) continue;
    if (!lib || !figure.chartConfig) {
      figure.classList.add("chart-missing"); // no chart library (or plugin): the data table is the chart
      figure.querySelector("details.data-table").open = true;
      continue;
    }
    figure.chart = new lib(figure.querySelector("canvas"), figure.chartConfig);
    live.add(figure.chart);
  }
}

/** Replace a drawn chart's data (e.g. the daily / hourly switch) and its accessible label. */
export function updateChart(figure, config, label) {
  if (figure.chart) {
    figure.chart.destroy();
    live.delete(figure.chart);
    figure.chart = null;
  }
  figure.chartConfig = config;
  const canvas = figure.querySelector("canvas");
  canvas.setAttribute("aria-label", label);
  canvas.textContent = label;
  drawCharts(figure.parentNode);
}

/** Common axis options: a category x axis of many labels that thins itself out. */
export function timeAxes({ yTitle, stacked = false }) {
  return {
    x: { stacked, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 16 }, grid: { display: false } },
    y: {
      stacked,
      beginAtZero: true,
      title: { display: Boolean(yTitle), text: yTitle },
      ticks: { precision: 0 },
    },
  };
}

/** The box-plot chart type is available (its plugin loaded and registered). */
export function hasBoxPlot() {
  return Boolean(window.ChartBoxPlot);
}

/** The data table behind a chart of page views and participations per day (course and department). */
export function dailyActivityTable(rows) {
  return table({
    caption: "Page views and participations per day",
    columns: [
      { key: "date", label: "Date (UTC)" },
      { key: "views", label: "Page views", numeric: true, format: fmt.int },
      { key: "participations", label: "Participations", numeric: true, format: fmt.int },
    ],
    rows,
    rowKey: (d) => d.date,
  });
}
