/** Typed errors raised by the Gitea client; callers branch on class or `status`, never on message text. */

/** Gitea's JSON error body (`APIError` in the swagger: `{ message, url }`). */
export interface GiteaErrorBody {
  message: string;
  url?: string;
  errors?: string[];
}

/** Where a failed request was going: method, route template and the redacted concrete path. */
export interface RequestTarget {
  method: string;
  /** Route template such as `/repos/{owner}/{repo}/pulls/{index}`. */
  route: string;
  /** Concrete API path with query (secrets redacted), e.g. `/api/v1/repos/o/r/pulls/5`. */
  url: string;
}

/** Longest text body kept on an error. */
export const MAX_ERROR_BODY_CHARS = 500;

/** Common base of every error the client raises about a request. */
export class GiteaRequestError extends Error {
  readonly method: string;
  readonly route: string;
  readonly url: string;

  constructor(message: string, target: RequestTarget, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GiteaRequestError';
    this.method = target.method;
    this.route = target.route;
    this.url = target.url;
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, message: this.message, method: this.method, route: this.route, url: this.url };
  }
}

const HINTS: Record<number, string> = {
  400: 'check the request parameters',
  401: 'check that the token is valid and not expired',
  403: 'the token lacks the permission or scope for this operation',
  404: 'check that the owner, repo and number exist and the token can see them',
  405: 'Gitea does not allow this operation on the object in its current state',
  409: 'the object already exists or changed meanwhile; re-read it and decide again',
  422: 'check the payload fields against the Gitea API',
  429: 'Gitea or its proxy is rate limiting; retry later',
};

function hintFor(status: number): string {
  return HINTS[status] ?? (status >= 500 ? 'Gitea failed; retry later or check the server logs' : '');
}

function bodyText(body: GiteaErrorBody | string | undefined): string {
  if (body === undefined || body === '') return '';
  if (typeof body === 'string') return body.length > 200 ? `${body.slice(0, 200)}…` : body;
  return body.message;
}

/** Gitea answered with a non-success status. */
export class GiteaHttpError extends GiteaRequestError {
  readonly status: number;
  /** Parsed Gitea `{ message, url }` when present, else the response text (truncated). */
  readonly body: GiteaErrorBody | string | undefined;

  constructor(
    target: RequestTarget,
    status: number,
    body?: GiteaErrorBody | string,
    options?: { cause?: unknown },
  ) {
    const text = bodyText(body);
    const hint = hintFor(status);
    super(
      `Gitea ${target.method} "${target.url}" (${target.route}) returned ${status}` +
        (text ? `: "${text}"` : '') +
        (hint ? `; ${hint}` : ''),
      target,
      options,
    );
    this.name = 'GiteaHttpError';
    this.status = status;
    this.body = body;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), status: this.status, body: this.body };
  }
}

/** 400 Bad Request. */
export class BadRequestError extends GiteaHttpError {
  override readonly name = 'BadRequestError';
}
/** 401: the token is missing, wrong or expired. */
export class UnauthorizedError extends GiteaHttpError {
  override readonly name = 'UnauthorizedError';
}
/** 403: the token may not do this. */
export class ForbiddenError extends GiteaHttpError {
  override readonly name = 'ForbiddenError';
}
/** 404: the object does not exist or is not visible to the token. */
export class NotFoundError extends GiteaHttpError {
  override readonly name = 'NotFoundError';
}
/** 405: e.g. merging an already-merged PR, or a merge that is not allowed. */
export class MethodNotAllowedError extends GiteaHttpError {
  override readonly name = 'MethodNotAllowedError';
}
/** 409: e.g. a second PR for the same head, or a merge whose head moved. */
export class ConflictError extends GiteaHttpError {
  override readonly name = 'ConflictError';
}
/** 422: Gitea rejected the payload. */
export class UnprocessableError extends GiteaHttpError {
  override readonly name = 'UnprocessableError';
}
/** 429: a proxy refused the request before Gitea saw it. */
export class RateLimitedError extends GiteaHttpError {
  override readonly name = 'RateLimitedError';
}
/** Any 5xx. */
export class ServerError extends GiteaHttpError {
  override readonly name = 'ServerError';
}
/** A 2xx answer whose body could not be read as the expected format (e.g. an HTML proxy page). */
export class InvalidResponseError extends GiteaHttpError {
  override readonly name = 'InvalidResponseError';
}

/** The request did not complete within the client's `timeoutMs`. */
export class GiteaTimeoutError extends GiteaRequestError {
  readonly timeoutMs: number;
  constructor(target: RequestTarget, timeoutMs: number, options?: { cause?: unknown }) {
    super(
      `Gitea ${target.method} "${target.url}" (${target.route}) timed out after ${timeoutMs} ms; ` +
        'raise "timeoutMs" or check that Gitea is reachable',
      target,
      options,
    );
    this.name = 'GiteaTimeoutError';
    this.timeoutMs = timeoutMs;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), timeoutMs: this.timeoutMs };
  }
}

/** The connection failed; `code` is the system or undici error code when known (e.g. `ECONNREFUSED`). */
export class GiteaNetworkError extends GiteaRequestError {
  readonly code: string | undefined;
  constructor(target: RequestTarget, code: string | undefined, options?: { cause?: unknown }) {
    super(
      `Gitea ${target.method} "${target.url}" (${target.route}) failed on the network` +
        (code ? ` (${code})` : '') +
        '; check the Gitea URL and that the server is up',
      target,
      options,
    );
    this.name = 'GiteaNetworkError';
    this.code = code;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), code: this.code };
  }
}

/**
 * A request that is not safe to repeat failed in a way that leaves its effect unknown (timeout,
 * connection lost after sending, 502/503/504). It was not retried; probe Gitea to learn whether it
 * took effect. `cause` holds the underlying error.
 */
export class OutcomeUnknownError extends GiteaRequestError {
  /** The HTTP status when the ambiguity came from a gateway status (502/503/504). */
  readonly status: number | undefined;
  constructor(target: RequestTarget, cause: GiteaRequestError) {
    super(
      `Gitea ${target.method} "${target.url}" (${target.route}): outcome unknown (${cause.name}); ` +
        'it was not retried; probe Gitea for its effect before writing again',
      target,
      { cause },
    );
    this.name = 'OutcomeUnknownError';
    this.status = cause instanceof GiteaHttpError ? cause.status : undefined;
  }

  override toJSON(): Record<string, unknown> {
    const cause = this.cause as GiteaRequestError;
    return { ...super.toJSON(), status: this.status, cause: cause.toJSON() };
  }
}

/** Builds the typed error for an HTTP status. */
export function errorForStatus(
  target: RequestTarget,
  status: number,
  body?: GiteaErrorBody | string,
): GiteaHttpError {
  switch (status) {
    case 400:
      return new BadRequestError(target, status, body);
    case 401:
      return new UnauthorizedError(target, status, body);
    case 403:
      return new ForbiddenError(target, status, body);
    case 404:
      return new NotFoundError(target, status, body);
    case 405:
      return new MethodNotAllowedError(target, status, body);
    case 409:
      return new ConflictError(target, status, body);
    case 422:
      return new UnprocessableError(target, status, body);
    case 429:
      return new RateLimitedError(target, status, body);
    default:
      return status >= 500 ? new ServerError(target, status, body) : new GiteaHttpError(target, status, body);
  }
}

/** True when `err` is a `GiteaHttpError` whose status is one of `codes`. */
export function isStatus(err: unknown, ...codes: number[]): err is GiteaHttpError {
  return err instanceof GiteaHttpError && codes.includes(err.status);
}

/** Parses an error response text into Gitea's `{ message, url }` when it is one, else the truncated text. */
export function parseErrorBody(text: string): GiteaErrorBody | string | undefined {
  if (text === '') return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && typeof (parsed as GiteaErrorBody).message === 'string') {
      const p = parsed as GiteaErrorBody;
      const body: GiteaErrorBody = { message: truncate(p.message) };
      if (typeof p.url === 'string') body.url = p.url;
      if (Array.isArray(p.errors)) body.errors = p.errors.filter((e) => typeof e === 'string').map(truncate);
      return body;
    }
  } catch {
    // Not JSON: proxies answer with HTML or plain text.
  }
  return truncate(text);
}

function truncate(s: string): string {
  return s.length > MAX_ERROR_BODY_CHARS ? `${s.slice(0, MAX_ERROR_BODY_CHARS)}…` : s;
}
