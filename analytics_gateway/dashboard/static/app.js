// analytics-gateway dashboard: sign-in, hash routing and the page frame. Each page module exports
// `load(route)` → {query, variables, what} (or null: no query), `render(data, route)` → nodes and
// `crumbs(data, route)`; the frame runs the one GraphQL query, shows it under "Query", and handles sign-in,
// errors, focus and the live status line.

import { AuthError, NotFoundError, clearToken, getToken, graphql, setToken } from "./api.js";
import { destroyCharts, drawCharts } from "./charts.js";
import { clear, h } from "./dom.js";
import { takeFocusKey } from "./nav.js";
import { SIGN_IN_QUERY } from "./queries.js";
import * as coursePage from "./pages/course.js";
import * as coursesPage from "./pages/courses.js";
import * as departmentPage from "./pages/department.js";
import * as homePage from "./pages/home.js";
import * as studentPage from "./pages/student.js";

const main = document.getElementById("main");
const statusLine = document.getElementById("status");
const crumbs = document.getElementById("breadcrumbs");
const signOutButton = document.getElementById("sign-out");

const ROUTES = [
  { pattern: /^\/?$/, page: homePage, name: "home" },
  {
    pattern: /^\/course\/([^/]+)\/student\/([^/]+)$/,
    page: studentPage,
    name: "student",
    keys: ["courseId", "studentId"],
  },
  { pattern: /^\/course\/([^/]+)$/, page: coursePage, name: "course", keys: ["courseId"] },
  { pattern: /^\/account\/([^/]+)\/courses$/, page: coursesPage, name: "courses", keys: ["accountId"] },
  { pattern: /^\/account\/([^/]+)$/, page: departmentPage, name: "department", keys: ["accountId"] },
];

/** The current route from the URL fragment: `#/course/100001?sort=NAME` → {name, page, params, query}. */
function currentRoute() {
  const raw = window.location.hash.replace(/^#/, "");
  const cut = raw.indexOf("?");
  const path = cut < 0 ? raw : raw.slice(0, cut);
  const search = cut < 0 ? "" : raw.slice(cut + 1);
  for (const route of ROUTES) {
    const match = route.pattern.exec(path || "/");
    if (!match) continue;
    const params = {};
    try {
      (route.keys || []).forEach((key, i) => {
        params[key] = decodeURIComponent(match[i + 1]);
      });
    } catch {
      break; // a malformed %-escape: no such page
    }
    return { name: route.name, page: route.page, params, query: new URLSearchParams(search), path };
  }
  return { name: "unknown", page: null, params: {}, query: new URLSearchParams(search), path };
}

let generation = 0;
let firstRender = true;

function setStatus(text) {
  statusLine.textContent = text;
}

function setState(state, page) {
  main.dataset.state = state;
  if (page) main.dataset.page = page;
  main.setAttribute("aria-busy", state === "loading" ? "true" : "false");
}

function setCrumbs(items) {
  clear(crumbs);
  if (!items || !items.length) return;
  const list = h("ol", {});
  items.forEach((item, i) => {
    const last = i === items.length - 1;
    list.append(
      h(
        "li",
        {},
        last ? h("span", { "aria-current": "page" }, item.label) : h("a", { href: item.href }, item.label),
      ),
    );
  });
  crumbs.append(list);
}

function queryToggle(query, variables) {
  const text = query;
  const vars = JSON.stringify(variables, null, 2);
  const copy = h("button", { type: "button", class: "button button-quiet" }, "Copy query");
  const copied = h("span", { class: "copied", role: "status" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      copied.textContent = "Copied.";
    } catch {
      copied.textContent = "Select the text to copy it.";
    }
  });
  return h(
    "details",
    { class: "query", id: "query" },
    h("summary", {}, "Query"),
    h(
      "p",
      {},
      "This page is one request: ",
      h("code", {}, "POST /graphql"),
      " with this query and variables.",
    ),
    h(
      "pre",
      { class: "code", tabindex: "0", "aria-label": "GraphQL query" },
      h("code", { dataset: { query: "" } }, text),
    ),
    h("p", {}, "Variables:"),
    h(
      "pre",
      { class: "code", tabindex: "0", "aria-label": "Variables" },
      h("code", { dataset: { variables: "" } }, vars),
    ),
    h("p", {}, copy, " ", copied),
  );
}

function focusAfterRender() {
  const key = takeFocusKey();
  const target = key ? main.querySelector(`[data-focus-key="${CSS.escape(key)}"]`) : null;
  if (target) {
    target.focus();
  } else if (!firstRender) {
    // A new page: move to its heading, so screen readers start there (not on the first load: the user
    // has not moved yet, and the skip link should stay first).
    const heading = main.querySelector("h1");
    if (heading) heading.setAttribute("tabindex", "-1");
    (heading || main).focus();
  }
  firstRender = false;
}

function signInForm({ message = null, error = false } = {}) {
  const input = h("input", {
    id: "token",
    type: "password",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
    "aria-describedby": "token-help",
  });
  const feedback = h("p", {
    id: "sign-in-message",
    class: ["notice", error ? "notice-error" : "notice-info"],
    role: "alert",
  });
  if (message) feedback.textContent = message;
  else feedback.hidden = true;
  const submit = h("button", { type: "submit", class: "button" }, "Sign in");
  // The input has no name: even if this form were ever submitted natively, the token would not be sent.
  const form = h(
    "form",
    { class: "sign-in", id: "sign-in", "aria-labelledby": "sign-in-title", method: "post", action: "#" },
    h("h2", { id: "sign-in-title" }, "Sign in"),
    feedback,
    h("label", { for: "token" }, "Access token"),
    input,
    h(
      "p",
      { id: "token-help", class: "help" },
      "Paste an access token (create one with ",
      h("code", {}, "analytics-gateway tokens create --user-id ID"),
      "). It is kept in this tab only and sent to this gateway's /graphql, nowhere else.",
    ),
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) return;
    submit.disabled = true;
    setToken(token);
    try {
      await graphql(SIGN_IN_QUERY); // a bad token is a 401 before anything runs
      input.value = "";
      render();
    } catch (err) {
      clearToken();
      feedback.hidden = false;
      feedback.className = "notice notice-error";
      feedback.textContent =
        err instanceof AuthError ? `That token was not accepted: ${err.message}` : err.message;
      submit.disabled = false;
      input.focus();
    }
  });
  return form;
}

function showSignIn(options = {}) {
  destroyCharts();
  clear(main);
  signOutButton.hidden = !getToken();
  setCrumbs([]);
  main.append(h("h1", {}, "Analytics dashboard"), signInForm(options));
  setState("signed-out", "sign-in");
  setStatus(options.message ? "Sign in required." : "");
  // The message (role=alert) is announced by itself; the keyboard goes where the next step is.
  main.querySelector("#token").focus();
  firstRender = false;
}

function showProblem(title, message, route) {
  destroyCharts();
  clear(main);
  main.append(
    h("h1", {}, title),
    h("p", { class: "notice notice-error", role: "alert", id: "problem" }, message),
    h("p", {}, h("a", { href: "#/" }, "Back to the start")),
  );
  setState("error", route.name);
  setStatus(title);
  focusAfterRender();
}

/** Render the current route: sign-in form, the home page, or a page with its one query. */
async function render() {
  const gen = ++generation;
  const route = currentRoute();
  if (!getToken()) {
    showSignIn();
    return;
  }
  signOutButton.hidden = false;
  if (!route.page) {
    showProblem("Page not found", `There is no dashboard page at #${route.path}.`, route);
    return;
  }
  const request = route.page.load(route);
  if (!request) {
    destroyCharts();
    clear(main);
    main.append(...route.page.render(null, route).filter(Boolean));
    setCrumbs(route.page.crumbs ? route.page.crumbs(null, route) : []);
    setState("ready", route.name);
    setStatus("");
    focusAfterRender();
    return;
  }
  setState("loading", route.name);
  setStatus(`Loading ${request.what}…`);
  let result;
  try {
    result = await graphql(request.query, request.variables);
  } catch (err) {
    if (gen !== generation) return;
    if (err instanceof AuthError) {
      const message = err.rejected
        ? `Your token was not accepted (${err.message}). Please sign in again.`
        : `The signed-in user may not see this page (${err.message}). Sign in with another token, or go back to the start.`;
      showSignIn({ message, error: true });
      main.dataset.auth = err.rejected ? "rejected" : "forbidden";
      return;
    }
    showProblem(err instanceof NotFoundError ? "Not found" : "Something went wrong", err.message, route);
    return;
  }
  if (gen !== generation) return; // the user moved on while this was loading
  destroyCharts();
  clear(main);
  main.append(...route.page.render(result.data, route).filter(Boolean));
  if (result.errors.length) {
    main.append(
      h(
        "p",
        { class: "notice notice-error", role: "alert" },
        `Some data could not be loaded: ${result.errors.map((e) => e.message).join("; ")}`,
      ),
    );
  }
  main.append(queryToggle(request.query, request.variables));
  setCrumbs(route.page.crumbs(result.data, route));
  drawCharts(main);
  setState("ready", route.name);
  setStatus(`${request.what[0].toUpperCase()}${request.what.slice(1)} loaded.`);
  focusAfterRender();
}

signOutButton.addEventListener("click", () => {
  clearToken();
  setStatus("Signed out.");
  if (window.location.hash && window.location.hash !== "#/") window.location.hash = "#/";
  showSignIn();
});

// The skip link targets an element, not a route: move focus without touching the fragment.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => {
  render();
});
render();
