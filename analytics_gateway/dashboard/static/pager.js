// Cursor paging of a connection: Previous / Next links carry the connection's opaque cursors
// (`before` = startCursor, `after` = endCursor) in the fragment; `page` only numbers the pages for people.

import { fmt, h } from "./dom.js";
import { href, navigate } from "./nav.js";
import { PAGE_SIZE } from "./queries.js";

/** The connection arguments of the route: first/after, last/before, or the first page. */
export function pageVariables(query) {
  if (query.get("after")) return { first: PAGE_SIZE, after: query.get("after"), last: null, before: null };
  if (query.get("before")) return { first: null, after: null, last: PAGE_SIZE, before: query.get("before") };
  return { first: PAGE_SIZE, after: null, last: null, before: null };
}

/** The 1-based page number shown (from the fragment; only a label). */
export function pageNumber(query) {
  const n = Number.parseInt(query.get("page") || "1", 10);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/**
 * Previous / next navigation. `keep`: the fragment parameters that stay (e.g. the sort); `count`: items on
 * this page.
 */
export function pager({ id, label, path, keep, connection, count, page, noun }) {
  const { pageInfo, totalCount } = connection;
  const from = count ? (page - 1) * PAGE_SIZE + 1 : 0;
  const to = count ? from + count - 1 : 0;
  const prev = pageInfo.hasPreviousPage
    ? href(path, page - 1 <= 1 ? keep : { ...keep, before: pageInfo.startCursor, page: page - 1 })
    : null;
  const next = pageInfo.hasNextPage
    ? href(path, { ...keep, after: pageInfo.endCursor, page: page + 1 })
    : null;
  const item = (target, text, rel, key) =>
    target
      ? h(
          "a",
          {
            href: target,
            rel,
            class: "button button-quiet",
            dataset: { focusKey: key },
            // keep the keyboard user's place: focus returns to this link on the redrawn page
            on: { click: (event) => (event.preventDefault(), navigate(target, { keepFocus: key })) },
          },
          text,
        )
      : h("span", { class: "button button-quiet", "aria-disabled": "true" }, text);
  return h(
    "nav",
    { class: "pager", "aria-label": label, id },
    item(prev, "← Previous", "prev", `${id}-prev`),
    h(
      "span",
      { class: "pager-range", dataset: { from, to, total: totalCount } },
      `${noun} ${fmt.int(from)}–${fmt.int(to)} of ${fmt.int(totalCount)}`,
    ),
    item(next, "Next →", "next", `${id}-next`),
  );
}
