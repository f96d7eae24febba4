// The start page: open a course, a department or an account's course list by id. No query of its own
// (GraphQL's `account` takes no `self`, and there is no "my courses" field to list).

import { h } from "../dom.js";
import { navigate, seg } from "../nav.js";

export function load() {
  return null;
}

export function crumbs() {
  return [];
}

function idForm({ id, title, label, help, button, placeholder, value = "", to }) {
  const input = h("input", {
    id: `${id}-input`,
    type: "text",
    required: true,
    autocomplete: "off",
    spellcheck: "false",
    placeholder,
    value,
    "aria-describedby": `${id}-help`,
  });
  const form = h(
    "form",
    { class: "card id-form", id, "aria-labelledby": `${id}-title` },
    h("h2", { id: `${id}-title` }, title),
    h("label", { for: `${id}-input` }, label),
    h("div", { class: "inline" }, input, h("button", { type: "submit", class: "button" }, button)),
    h("p", { class: "help", id: `${id}-help` }, help),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = input.value.trim();
    if (v) navigate(to(seg(v)));
  });
  return form;
}

export function render() {
  return [
    h("h1", {}, "Analytics dashboard"),
    h(
      "p",
      { class: "lead" },
      "Course, student and department analytics from this gateway's GraphQL API. Open a page by id; ",
      "each page shows the one query it ran.",
    ),
    h(
      "div",
      { class: "grid grid-3" },
      idForm({
        id: "open-course",
        title: "Course",
        label: "Course id",
        help: "A Canvas course id (e.g. 100001), or a Relay id.",
        button: "Open course",
        placeholder: "100001",
        to: (v) => `#/course/${v}`,
      }),
      idForm({
        id: "open-department",
        title: "Department",
        label: "Account id",
        help: "An account or sub-account id (the demo's root account is 1).",
        button: "Open department",
        placeholder: "1",
        to: (v) => `#/account/${v}`,
      }),
      idForm({
        id: "open-courses",
        title: "Courses of an account",
        label: "Account id",
        help: "Lists the courses of an account and its sub-accounts, with links.",
        button: "List courses",
        placeholder: "1",
        value: "1",
        to: (v) => `#/account/${v}/courses`,
      }),
    ),
  ];
}
