// Small DOM helpers: elements are built with createElement and text nodes only (never innerHTML), so a
// course or student name can never become markup.

/**
 * Create an element.
 * attrs: `class`, `text`, `dataset` (object), `on` (object of event handlers), boolean or string
 * attributes (false/null/undefined are left out). children: nodes, strings, numbers, arrays, null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (name === "text") el.textContent = String(value);
    else if (name === "dataset") for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
    else if (name === "on") for (const [k, fn] of Object.entries(value)) el.addEventListener(k, fn);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Remove every child of an element. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

/** Number formats used on every page (the raw value always rides in a data-value attribute too). */
export const fmt = {
  int: (n) => (n === null || n === undefined ? "–" : integer.format(n)),
  num: (n) => (n === null || n === undefined ? "–" : decimal.format(n)),
  pct: (n) => (n === null || n === undefined ? "–" : percent.format(n)),
  /** `2026-03-01T10:30:00Z` → `2026-03-01 10:30 UTC` (the API's times are UTC; so are ours). */
  time: (t) => (t ? `${t.slice(0, 10)} ${t.slice(11, 16)} UTC` : "–"),
  hour: (t) => (t ? `${t.slice(0, 10)} ${t.slice(11, 13)}:00` : "–"),
};

/** Activity levels as Canvas defines them (§3.7): 0 none, 1 below Q1, 2 below Q3, 3 above. */
export const LEVELS = ["none", "low", "medium", "high"];

/** A level badge: the word, plus three bars for sighted users (hidden from assistive technology). */
export function levelBadge(level) {
  const bars = [1, 2, 3].map((n) => h("span", { class: ["bar", n <= level && "on"] }));
  return h(
    "span",
    { class: `level level-${level}`, dataset: { level } },
    h("span", { class: "bars", "aria-hidden": "true" }, bars),
    LEVELS[level] ?? String(level),
  );
}

/** A hash link (`#/course/1`). */
export function link(href, ...children) {
  return h("a", { href }, ...children);
}

/**
 * A data table. columns: [{key, label, numeric?, format?(value,row), cell?(row) → node, header?}]; the
 * first column is the row header. Every cell carries `data-field` and, when numeric, `data-value`.
 */
export function table({ caption, columns, rows, rowKey, className, captionExtra }) {
  const head = h(
    "thead",
    {},
    h(
      "tr",
      {},
      columns.map((c) => c.header || h("th", { scope: "col", class: c.numeric ? "num" : null }, c.label)),
    ),
  );
  const body = h(
    "tbody",
    {},
    rows.map((row) =>
      h(
        "tr",
        { dataset: rowKey ? { key: rowKey(row) } : {} },
        columns.map((c, i) => {
          const value = typeof c.value === "function" ? c.value(row) : row[c.key];
          const content = c.cell ? c.cell(row) : c.format ? c.format(value, row) : (value ?? "–");
          const attrs = {
            class: c.numeric ? "num" : null,
            dataset: {
              field: c.key,
              ...(c.numeric && value !== null && value !== undefined ? { value } : {}),
            },
          };
          return i === 0 ? h("th", { scope: "row", ...attrs }, content) : h("td", attrs, content);
        }),
      ),
    ),
  );
  return h(
    "div",
    { class: "table-wrap", role: "region", "aria-label": caption, tabindex: "0" },
    h("table", { class: className }, h("caption", {}, caption, captionExtra || null), head, body),
  );
}

/** Headline numbers: [{key, label, value, format?, note?}] → a description list of cards. */
export function statCards(items, label) {
  return h(
    "dl",
    { class: "stats", "aria-label": label },
    items.map((item) =>
      h(
        "div",
        { class: "stat" },
        h("dt", {}, item.label),
        h(
          "dd",
          { dataset: { stat: item.key, ...(typeof item.value === "number" ? { value: item.value } : {}) } },
          (item.format || fmt.int)(item.value),
        ),
        item.note ? h("dd", { class: "stat-note" }, item.note) : null,
      ),
    ),
  );
}

/** A page section with a heading (h2) and an id to link to. */
export function section(id, title, ...children) {
  return h(
    "section",
    { id, "aria-labelledby": `${id}-title`, class: "panel" },
    h("h2", { id: `${id}-title` }, title),
    ...children,
  );
}

/** Shorten a long label for a chart axis (the data table keeps the full text). */
export function short(text, max = 24) {
  const s = String(text ?? "");
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
