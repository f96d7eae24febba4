// Fragment navigation shared by the frame and the pages (kept apart from app.js to avoid import cycles).

/** Build a fragment link: href("/course/1", {sort: "NAME"}) → "#/course/1?sort=NAME" (empty values dropped). */
export function href(path, query = {}) {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== null && v !== undefined && v !== "") search.set(k, v);
  const s = search.toString();
  return `#${path}${s ? `?${s}` : ""}`;
}

let pendingFocus = null;

/** Go to a fragment; `keepFocus` names the control (its data-focus-key) to focus once the page is redrawn. */
export function navigate(fragment, { keepFocus = null } = {}) {
  pendingFocus = keepFocus;
  if (window.location.hash === fragment) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = fragment;
}

/** The control to focus after this render (once). */
export function takeFocusKey() {
  const key = pendingFocus;
  pendingFocus = null;
  return key;
}

/** Path segment of an id typed by a user. */
export function seg(id) {
  return encodeURIComponent(String(id).trim());
}
