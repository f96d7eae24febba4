// analytics-gateway's GraphiQL start-up (our own code; GraphiQL, React and ReactDOM are vendored beside it).
// The page is served offline from the package. A token may arrive in the URL fragment (#token=...),
// which never reaches a server or a log: it is moved into the request headers and removed from the URL.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);
  var storageKey = "graphiql:headers";
  var match = /(?:^|&)token=([^&]+)/.exec(window.location.hash.replace(/^#/, ""));
  if (match) {
    var headers = JSON.stringify({ Authorization: "Bearer " + decodeURIComponent(match[1]) }, null, 2);
    window.localStorage.setItem(storageKey, headers);
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  var initialHeaders = window.localStorage.getItem(storageKey) ||
    JSON.stringify({ Authorization: "Bearer <paste a token: analytics-gateway tokens create --user-id ID>" }, null, 2);
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      headers: initialHeaders,
      shouldPersistHeaders: true,
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
    })
  );
})();
