// The one API client every view uses: the session cookie (sent by the browser), the CSRF
// header on writes, the environment chosen in the URL, an Idempotency-Key on every POST, and
// the API's error shape turned into one error with its code and message. JSON replies, or a
// stream of server-sent events.
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

function headersFor(method, accept) {
  const headers = { 'X-Environment': environment(), Accept: accept };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  if (method === 'POST') headers['Idempotency-Key'] = crypto.randomUUID();
  return headers;
}

function send(method, path, body, accept) {
  const headers = headersFor(method, accept);
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  return fetch(BASE + path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function failure(resp) {
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not the API's error shape */ }
  const err = new ApiError(resp.status, data);
  err.retryAfter = resp.headers.get('Retry-After');
  return err;
}

export async function call(method, path, body) {
  const resp = await send(method, path, body, 'application/json');
  if (!resp.ok) throw await failure(resp);
  const text = await resp.text();
  return text ? JSON.parse(text) : null;
}

// A GET answered as `accept` (e.g. `text/csv`), saved by the browser as `filename`.
export async function download(path, accept, filename) {
  const resp = await send('GET', path, undefined, accept);
  if (!resp.ok) throw await failure(resp);
  const url = URL.createObjectURL(await resp.blob());
  const link = Object.assign(document.createElement('a'), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// A POST answered with server-sent events: `onEvent(name, data)` for each event, in order.
export async function stream(path, body, onEvent) {
  const resp = await send('POST', path, body, 'text/event-stream');
  if (!resp.ok) throw await failure(resp);
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

// A multipart POST whose upload reports progress: `onProgress(fraction)` as the bytes leave
// (fetch cannot tell, so this one request goes through XMLHttpRequest).
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BASE + path);
    for (const [name, value] of Object.entries(headersFor('POST', 'application/json'))) {
      xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { detail: 'network error' })));
    xhr.send(form);
  });
}
