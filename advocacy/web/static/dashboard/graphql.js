// GraphQL over HTTP. Every document comes from /dashboard/operations.json, exactly as the files
// of frontend-schema/operations/ hold it, so trusted-documents mode recognizes each one.

let documents = null;

export class GraphQLError extends Error {
  /**
   * @param {string} message
   * @param {string} code `extensions.code` of the first error (UNAUTHENTICATED, FORBIDDEN, …),
   *   or NETWORK / HTTP when no GraphQL answer came back.
   * @param {object[]} errors every error of the answer
   */
  constructor(message, code, errors = []) {
    super(message);
    this.name = "GraphQLError";
    this.code = code;
    this.errors = errors;
  }
}

export async function loadDocuments() {
  const response = await fetch("/dashboard/operations.json", {
    credentials: "omit",
    cache: "no-cache",
  });
  if (!response.ok) {
    throw new GraphQLError(`Couldn't load the dashboard's queries (${response.status}).`, "HTTP");
  }
  documents = await response.json();
  return documents;
}

/** The exact text of operation `name`. */
export function documentOf(name) {
  const text = documents?.[name];
  if (text === undefined) {
    throw new Error(`unknown operation ${name}`);
  }
  return text;
}

export function errorOf(errors) {
  const first = errors?.[0] ?? {};
  return new GraphQLError(
    first.message ?? "Something went wrong.",
    first.extensions?.code ?? "ERROR",
    errors ?? [],
  );
}

/**
 * Run operation `name` with the bearer token; resolve to its `data`, reject with a
 * GraphQLError when the answer has top-level errors or none came.
 */
export async function execute(name, variables, token) {
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query: documentOf(name), operationName: name, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new GraphQLError("The server can't be reached. Check your connection.", "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new GraphQLError(`The server answered ${response.status}.`, "HTTP");
  }
  if (body.errors?.length) {
    throw errorOf(body.errors);
  }
  if (!response.ok || body.data == null) {
    throw new GraphQLError(`The server answered ${response.status}.`, "HTTP");
  }
  return body.data;
}
