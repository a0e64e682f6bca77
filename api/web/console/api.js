// The one API client every view uses: the session cookie (sent by the browser), the CSRF
// header on writes, the environment chosen in the URL, an Idempotency-Key on every POST, and
// the API's error shape turned into one error with its code and message.
const BASE = '/api/v1';
let csrf = null;

export function setCsrf(token) { csrf = token; }

export function environment() {
  return new URLSearchParams(location.search).get('env') === 'sandbox' ? 'sandbox' : 'production';
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.data = body && body.data;
    this.retryAfter = null;
  }
}

export async function call(method, path, body) {
  const headers = { 'X-Environment': environment() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (method === 'POST') headers['Idempotency-Key'] = crypto.randomUUID();
  const resp = await fetch(BASE + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  const data = text ? JSON.parse(text) : null;
  if (!resp.ok) {
    const err = new ApiError(resp.status, data);
    err.retryAfter = resp.headers.get('Retry-After');
    throw err;
  }
  return data;
}
