// Companin's TypeScript client: openapi-fetch over the types openapi-typescript generates from
// the API's OpenAPI document (schema.d.ts), plus only what generation cannot express:
// credentials (createCompanin), errors as typed exceptions (unwrap), and streamed replies
// (streamMessage). Types: index.d.ts.
import createClient from "openapi-fetch";
import { EventSourceParserStream } from "eventsource-parser/stream";

/** A client of the server at `baseUrl`, authenticated with one of the three kinds of credentials. */
export function createCompanin({ baseUrl, apiKey, clientId, clientSecret, token, fetch, headers }) {
  let auth;
  if (clientId && clientSecret && !apiKey && !token) {
    auth = { "X-API-Key": clientId, "X-API-Secret": clientSecret };
  } else if ((apiKey || token) && !(apiKey && token)) {
    auth = { Authorization: `Bearer ${apiKey || token}` };
  } else {
    throw new TypeError("give one of: apiKey, clientId with clientSecret, token");
  }
  return createClient({
    baseUrl: `${String(baseUrl).replace(/\/+$/, "")}/api/v1`,
    headers: { ...headers, ...auth },
    ...(fetch ? { fetch } : {}),
  });
}

/** An error answer of the API; `code` is one of the codes listed in docs/api.md. */
export class CompaninError extends Error {
  constructor(status, body = {}, retryAfter = null) {
    const code = body.code ?? "unexpected_response";
    super(`${status} ${code}: ${body.detail ?? ""}`);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.detail = body.detail ?? "";
    this.data = body.data ?? null;
    this.requestId = body.request_id ?? null;
    this.retryAfter = retryAfter;
  }
}
export class BadRequestError extends CompaninError {}
export class AuthenticationError extends CompaninError {}
export class PermissionDeniedError extends CompaninError {}
export class NotFoundError extends CompaninError {}
export class ConflictError extends CompaninError {}
export class SessionExpiredError extends CompaninError {}
export class ValidationError extends CompaninError {}
export class RateLimitedError extends CompaninError {}
export class ServerError extends CompaninError {}

const BY_STATUS = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  410: SessionExpiredError,
  422: ValidationError,
  429: RateLimitedError,
};

/** The exception for an error body (also the data of a stream's `error` event). */
export function errorFromBody(status, body, retryAfter = null) {
  const code = Number(body?.status_code ?? status);
  const Kind = BY_STATUS[code] ?? (code >= 500 ? ServerError : CompaninError);
  return new Kind(code, body && typeof body === "object" ? body : {}, retryAfter);
}

function retryAfterOf(response) {
  const value = response.headers.get("retry-after");
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

/** The data of an openapi-fetch answer, or its error thrown as a CompaninError subclass. */
export async function unwrap(answer) {
  const { data, error, response } = await answer;
  if (response.ok && error === undefined) {
    return data;
  }
  throw errorFromBody(response.status, error, retryAfterOf(response));
}

/**
 * Sends a message and yields its reply's events as they arrive: `delta` ({text}), `sources`
 * ({sources}), then `done`. A refusal before the stream, or an `error` event mid-reply, is
 * thrown as a CompaninError. Breaking out of the loop (or aborting `signal`) closes the
 * connection, which stops the generation; nothing is stored then.
 */
export async function* streamMessage(client, body, { idempotencyKey, signal } = {}) {
  const headers = { Accept: "text/event-stream" };
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  const { error, response } = await client.POST("/conversations/send-message", {
    body: { ...body, stream: true },
    headers,
    parseAs: "stream",
    signal,
  });
  if (!response.ok) {
    throw errorFromBody(response.status, error, retryAfterOf(response));
  }
  const events = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  for await (const { event, data } of events) {
    const parsed = data ? JSON.parse(data) : {};
    if (event === "error") throw errorFromBody(500, parsed);
    yield { type: event ?? "message", data: parsed, text: event === "delta" ? parsed.text : "" };
  }
}
