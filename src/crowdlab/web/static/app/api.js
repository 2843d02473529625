// The worker API from the browser: same-origin JSON calls authenticated by the session cookie.
// Errors come back as ApiError carrying the server's {code, message, payload}.

export class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === 'object' ? body : {};
    super(typeof data.message === 'string' && data.message ? data.message : `Request failed (${status})`);
    this.status = status;
    this.code = typeof data.code === 'string' ? data.code : status === 0 ? 'NETWORK_ERROR' : 'ERROR';
    this.payload = data.payload && typeof data.payload === 'object' ? data.payload : null;
  }
}

/** Where the login page should send the worker back to. */
export function loginUrl() {
  const here = location.pathname + location.search;
  return `/worker/login?next=${encodeURIComponent(here)}`;
}

/**
 * Call the API. Resolves with the parsed JSON body (null for 204), rejects with ApiError.
 * A 401 outside the login/sign-up forms means the session ended: go to the login page.
 */
export async function api(method, path, body, { redirectOn401 = true } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, { message: 'No connection to the server. Check your network and try again.' });
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401 && redirectOn401) location.assign(loginUrl());
    throw new ApiError(response.status, data);
  }
  return data;
}
