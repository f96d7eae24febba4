// The dashboard's only way to the data: POST /graphql with the signed-in token.
// The token lives in sessionStorage (gone when the tab closes), rides only in the Authorization header,
// and is never put in a URL, never written to the console.

const TOKEN_KEY = "analytics-gateway:dashboard:token";
export const ENDPOINT = "/graphql";

export function getToken() {
  try {
    return window.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the user signs in again on every load
  }
}

export function setToken(token) {
  window.sessionStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    window.sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    /* nothing stored */
  }
}

/** The token was refused (401, UNAUTHENTICATED) or its user may not see what was asked (FORBIDDEN). */
export class AuthError extends Error {
  constructor(message, { rejected }) {
    super(message);
    this.name = "AuthError";
    /** true: the token itself is bad (invalid, expired, revoked); it has been forgotten. */
    this.rejected = rejected;
  }
}

/** The object asked for does not exist (GraphQL NOT_FOUND on a root field). */
export class NotFoundError extends Error {
  constructor(message) {
    super(message);
    this.name = "NotFoundError";
  }
}

/** Anything else: the server answered with errors and no usable data, or not at all. */
export class ApiError extends Error {
  constructor(message) {
    super(message);
    this.name = "ApiError";
  }
}

function firstMessage(body, fallback) {
  const errors = body && Array.isArray(body.errors) ? body.errors : [];
  return errors.length && errors[0].message ? String(errors[0].message) : fallback;
}

/**
 * Run one GraphQL operation; resolves to `{data, errors}` (errors: the non-fatal field errors).
 * Throws AuthError, NotFoundError or ApiError.
 */
export async function graphql(query, variables = {}) {
  const token = getToken();
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      cache: "no-store",
      referrerPolicy: "no-referrer",
    });
  } catch {
    throw new ApiError("The gateway could not be reached. Is it running?");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  if (response.status === 401) {
    clearToken();
    throw new AuthError(firstMessage(body, "Invalid access token."), { rejected: true });
  }
  if (!body || typeof body !== "object") {
    throw new ApiError(`The gateway answered HTTP ${response.status} without a GraphQL result.`);
  }
  const errors = Array.isArray(body.errors) ? body.errors : [];
  const code = (e) => (e.extensions && e.extensions.code) || null;
  const unauthenticated = errors.find((e) => code(e) === "UNAUTHENTICATED");
  if (unauthenticated) {
    clearToken();
    throw new AuthError(unauthenticated.message, { rejected: true });
  }
  const forbidden = errors.find((e) => code(e) === "FORBIDDEN");
  if (forbidden) throw new AuthError(forbidden.message, { rejected: false });
  const notFound = errors.find((e) => code(e) === "NOT_FOUND" && e.path && e.path.length === 1);
  if (notFound) throw new NotFoundError(notFound.message);
  if (!response.ok || !body.data) throw new ApiError(firstMessage(body, `HTTP ${response.status}`));
  return { data: body.data, errors };
}
