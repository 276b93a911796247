// GraphiQL at /graphql, from our own /static files only (React, ReactDOM and GraphiQL are
// vendored from package-lock.json): no CDN, so it works offline and behind a strict proxy, and
// no third-party script runs where an API token is pasted.
(function () {
  "use strict";

  const WELCOME = [
    "# Advocacy GraphQL API.",
    "#",
    "# Paste your API token in the Headers tab below:",
    '#   {"Authorization": "Bearer adv_..."}',
    "# then run a query with Ctrl-Enter (or the play button).",
    "",
    "{",
    "  viewer {",
    "    role",
    "    organization { name }",
    "  }",
    "}",
    "",
  ].join("\n");

  const endpoint = new URL(window.location.href);
  endpoint.search = "";
  endpoint.hash = "";
  const subscriptions = new URL(endpoint.href);
  subscriptions.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  const fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptions.href,
  });

  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: WELCOME,
      defaultEditorToolsVisibility: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: true,
      inputValueDeprecation: true,
    }),
  );
})();
