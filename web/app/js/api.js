// The JSON API, signed by the session cookie. State-changing calls carry the CSRF token the
// server answered at sign-in or from /auth/me; errors become `ApiError`s with the server's words.

let csrfToken = null;

/** An error the API answered, with its machine code, message and offending field. */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body?.error ?? {};
    super(detail.message ?? `The server answered ${status}.`);
    this.status = status;
    this.code = detail.code ?? "http";
    this.field = detail.field ?? null;
    this.position = detail.position ?? null;
    this.length = detail.length ?? null;
  }
}

/** Remembers the CSRF token of the session. */
export function setCsrf(token) {
  csrfToken = token ?? null;
}

/** Called when a request finds the session gone; set by the app to show the sign-in. */
let onSignedOut = () => {};
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/**
 * Calls the API: `api("GET", "/records", {query})`, `api("POST", "/records", {json})`,
 * `api("POST", path, {body, type})` for raw bodies; `signal` cancels. Answers the parsed JSON, the text for
 * non-JSON answers, or the Blob when `blob: true`.
 */
export async function api(method, path, options = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value === undefined || value === null || value === "") continue;
    for (const one of Array.isArray(value) ? value : [value]) url.searchParams.append(name, one);
  }
  const headers = { accept: "application/json", ...(options.headers ?? {}) };
  let body;
  if (options.json !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    body = options.body;
    if (options.type) headers["content-type"] = options.type;
  }
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "same-origin", signal: options.signal });
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, { error: { message: "The server cannot be reached. Check the connection and try again." } });
  }
  if (response.status === 401 && !options.signingIn) onSignedOut();
  if (!response.ok) {
    let parsed = null;
    try {
      parsed = await response.json();
    } catch {
      // Not JSON: the status says enough.
    }
    throw new ApiError(response.status, parsed);
  }
  if (options.blob) return response.blob();
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") ?? "";
  return type.includes("json") ? response.json() : response.text();
}

/** Shorthands. */
export const get = (path, query) => api("GET", path, { query });
export const post = (path, json) => api("POST", path, { json });
export const patch = (path, json, headers) => api("PATCH", path, { json, headers });
export const del = (path) => api("DELETE", path);
