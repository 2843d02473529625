// The REST API from the console pages: same-origin calls authenticated by the session cookie, with
// the session's CSRF token on every unsafe request. Errors come back as ApiError carrying the
// server's {code, message, payload}.

export class ApiError extends Error {
  constructor(status, body) {
    const data = body && typeof body === 'object' ? body : {};
    super(typeof data.message === 'string' && data.message ? data.message : `Request failed (${status})`);
    this.status = status;
    this.code = typeof data.code === 'string' ? data.code : status === 0 ? 'NETWORK_ERROR' : 'ERROR';
    this.payload = data.payload && typeof data.payload === 'object' ? data.payload : null;
  }
}

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') || '' : '';
}

export function loginUrl() {
  return `/console/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/**
 * Call the API. `body` is sent as JSON, or as is when it is FormData (file uploads). Resolves with
 * the parsed JSON (null for 204), rejects with ApiError. A 401 sends the browser to the login page.
 */
export async function api(method, path, body, { redirectOn401 = true } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (!['GET', 'HEAD'].includes(method)) init.headers['X-CSRF-Token'] = csrfToken();
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
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

/** The data the server rendered the page from (its JSON twin). */
export function pageData() {
  const node = document.getElementById('page-data');
  try {
    return JSON.parse(node ? node.textContent : '{}') || {};
  } catch {
    return {};
  }
}

/** Wait for an operation to finish (SUCCESS / FAIL); resolves with its last state. */
export async function waitOperation(id, { interval = 500, timeout = 120000, onProgress } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const op = await api('GET', `/api/v1/operations/${encodeURIComponent(id)}`);
    if (onProgress) onProgress(op);
    if (op.status === 'SUCCESS' || op.status === 'FAIL' || Date.now() > deadline) return op;
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
