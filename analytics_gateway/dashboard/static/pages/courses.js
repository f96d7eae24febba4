// An account's courses (its own and its sub-accounts'), with links to each course page, in one query.

import { fmt, h, section, table } from "../dom.js";
import { seg } from "../nav.js";
import { pageNumber, pageVariables, pager } from "../pager.js";
import { COURSES_QUERY } from "../queries.js";

export function load(route) {
  return {
    what: `courses of account ${route.params.accountId}`,
    query: COURSES_QUERY,
    variables: { accountId: route.params.accountId, ...pageVariables(route.query) },
  };
}

export function crumbs(data, route) {
  const account = data && data.account;
  return [
    { label: "Home", href: "#/" },
    {
      label: (account && account.name) || `Account ${route.params.accountId}`,
      href: `#/account/${seg(route.params.accountId)}`,
    },
    { label: "Courses" },
  ];
}

export function render(data, route) {
  const account = data.account;
  const connection = account.coursesConnection;
  const subs = account.subAccountsConnection ? account.subAccountsConnection.nodes : [];
  return [
    h(
      "h1",
      { dataset: { accountId: account._id } },
      `Courses of ${account.name || `account ${account._id}`}`,
    ),
    h(
      "p",
      { class: "lead" },
      h("a", { href: `#/account/${seg(account._id)}` }, "Department analytics"),
      account.parentAccount
        ? [
            " · part of ",
            h(
              "a",
              { href: `#/account/${seg(account.parentAccount._id)}/courses` },
              account.parentAccount.name,
            ),
          ]
        : null,
    ),
    section(
      "courses",
      `Courses (${fmt.int(connection.totalCount)})`,
      table({
        caption: "Courses, by id",
        columns: [
          {
            key: "name",
            label: "Course",
            cell: (c) => h("a", { href: `#/course/${seg(c._id)}` }, c.name || `Course ${c._id}`),
          },
          { key: "_id", label: "Id" },
          { key: "courseCode", label: "Code" },
          { key: "term", label: "Term", cell: (c) => (c.term ? c.term.name : "–") },
          {
            key: "account",
            label: "Account",
            cell: (c) =>
              c.account ? h("a", { href: `#/account/${seg(c.account._id)}` }, c.account.name) : "–",
          },
          { key: "workflowState", label: "State", cell: (c) => c.workflowState.toLowerCase() },
        ],
        rows: connection.nodes,
        rowKey: (c) => c._id,
      }),
      pager({
        id: "courses-pager",
        label: "Course pages",
        path: `/account/${seg(route.params.accountId)}/courses`,
        keep: {},
        connection,
        count: connection.nodes.length,
        page: pageNumber(route.query),
        noun: "Courses",
      }),
    ),
    subs.length
      ? section(
          "subaccounts",
          "Sub-accounts",
          h(
            "ul",
            { class: "links" },
            subs.map((s) =>
              h(
                "li",
                {},
                h("a", { href: `#/account/${seg(s._id)}` }, s.name || `Account ${s._id}`),
                " · ",
                h("a", { href: `#/account/${seg(s._id)}/courses` }, "courses"),
              ),
            ),
          ),
        )
      : null,
  ];
}
