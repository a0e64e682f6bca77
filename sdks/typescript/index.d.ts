// Types of index.js. The routes, bodies and answers are those of schema.d.ts, generated from
// docs/openapi.json by openapi-typescript.
import type { Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
/** The models of the API, by name: `Schemas["Assistant"]`. */
export type Schemas = components["schemas"];
/** Answers are read as JSON; streamed replies go through `streamMessage`. */
export type CompaninClient = Client<paths, `application/json${string}`>;

export interface CompaninOptions {
  /** The server's address, e.g. `http://localhost:8080` (`/api/v1` is added). */
  baseUrl: string;
  /** A secret key, `ck_live_…` or `ck_test_…` (sent as a bearer token). */
  apiKey?: string;
  /** The key pair: `X-API-Key` and `X-API-Secret`. */
  clientId?: string;
  clientSecret?: string;
  /** A bearer token from `POST /auth/token`, or a widget token. */
  token?: string;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  fetch?: (input: Request) => Promise<Response>;
}

export function createCompanin(options: CompaninOptions): CompaninClient;

/** An error answer of the API; `code` is one of the codes listed in docs/api.md. */
export class CompaninError extends Error {
  constructor(status: number, body?: Partial<Schemas["ErrorBody"]>, retryAfter?: number | null);
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly data: unknown;
  readonly requestId: string | null;
  /** Seconds to wait (429, 503). */
  readonly retryAfter: number | null;
}
/** 400: the request could not be read. */
export class BadRequestError extends CompaninError {}
/** 401: missing, wrong, expired or revoked credentials. */
export class AuthenticationError extends CompaninError {}
/** 403: the credentials may not do this. */
export class PermissionDeniedError extends CompaninError {}
/** 404: no such route, or no such resource in this organization and environment. */
export class NotFoundError extends CompaninError {}
/** 409: the resource's state does not allow it. */
export class ConflictError extends CompaninError {}
/** 410: the session has ended or expired. */
export class SessionExpiredError extends CompaninError {}
/** 422: a field or parameter is invalid; `data` names it. */
export class ValidationError extends CompaninError {}
/** 429: a limit is used up; retry after `retryAfter` seconds. */
export class RateLimitedError extends CompaninError {}
/** 5xx: the server failed; quote `requestId` when reporting it. */
export class ServerError extends CompaninError {}

export function errorFromBody(
  status: number,
  body: unknown,
  retryAfter?: number | null,
): CompaninError;

/** The data of an openapi-fetch answer, or its error thrown as a CompaninError subclass. */
export function unwrap<T>(
  answer: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T>;

/** One event of a streamed reply. */
export type StreamEvent =
  | { type: "delta"; data: Schemas["DeltaEvent"]; text: string }
  | { type: "sources"; data: Schemas["SourcesEvent"]; text: "" }
  | { type: "done"; data: Schemas["DoneEvent"]; text: "" };

export function streamMessage(
  client: CompaninClient,
  body: Omit<Schemas["SendMessage"], "stream">,
  options?: { idempotencyKey?: string; signal?: AbortSignal },
): AsyncGenerator<StreamEvent, void, undefined>;
