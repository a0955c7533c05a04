/** Small helpers shared by the core route modules. */
import { ApiError } from '../server.ts';

/** The JSON body as an object, or a 422 like Gitea's binding errors. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(422, 'the request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** A string field; `required` makes a missing or empty value a 422 naming the field. */
export function str(o: Record<string, unknown>, field: string, required = false): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (required) throw new ApiError(422, `[${field}]: Required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new ApiError(422, `[${field}]: must be a string`);
  return v;
}

export function bool(o: Record<string, unknown>, field: string): boolean | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ApiError(422, `[${field}]: must be a boolean`);
  return v;
}

/** A boolean query flag as Gitea's `ctx.FormBool` reads it; `fallback` when absent. */
export function queryBool(q: URLSearchParams, name: string, fallback: boolean): boolean {
  const v = q.get(name);
  if (v === null || v === '') return fallback;
  return v === 'true' || v === '1' || v === 't' || v === 'T' || v === 'TRUE' || v === 'True';
}

/** Decodes base64 content (Gitea's `ContentBase64`), 422 when invalid. */
export function base64Content(v: unknown, field = 'content'): Buffer {
  if (typeof v !== 'string') throw new ApiError(422, `[${field}]: Required`);
  const clean = v.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) {
    throw new ApiError(422, `[${field}]: is not valid base64`);
  }
  return Buffer.from(clean, 'base64');
}
