/** One problem the server named: `path` is the field ("url", "expect.status"), when there is one. */
export interface ErrorDetail {
  path?: string;
  message: string;
}

/** An answer that was not a success, as the API describes it: `{ error: { code, message, details, requestId } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** The messages that name a field, by field path. */
  get fields(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const d of this.details) if (d.path && !(d.path in out)) out[d.path] = d.message;
    return out;
  }
}

let csrfToken: string | null = null;
const unauthorizedListeners = new Set<() => void>();

/** The session's CSRF token, sent with every change (the server refuses changes with the cookie but without it). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the session has ended (401): the app shows the login page. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/** Calls the API under /api/v1 with the session cookie; throws ApiError with the server's own words. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Upkeep cannot be reached: check that the server is running and the network is up.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON (a proxy's error page): the status says enough, the page itself is not shown.
  }
  if (res.ok) return json as T;
  const error = (json as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined)?.error;
  if (res.status === 401 && !path.startsWith('/session')) unauthorizedListeners.forEach((l) => l());
  throw new ApiError(res.status, error?.code ?? 'http', error?.message ?? `the server answered ${res.status} ${res.statusText}`, error?.details ?? []);
}

/** A query string from the given values, leaving out empty ones. */
export function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
}

/** A page of a list, as every list route answers. */
export interface Page<T> {
  data: T[];
  page: { total?: number; limit: number; nextCursor: string | null };
}
