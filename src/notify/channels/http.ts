import { describeError, isAppError } from '../../lib/errors.js';
import { quote } from '../../lib/evidence.js';
import { httpRequest, isNetError, type HttpResult } from '../../lib/net/index.js';
import type { Delivery, DeliveryContext } from '../notification.js';

export interface SendRequest {
  method?: 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** Sent as application/json. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  /** Sent as it is, with the content type in `headers` (a signed body must go out byte for byte). */
  raw?: string;
  /** Some providers put the wait of a 429 in the body too (Telegram, Discord, Matrix): milliseconds. */
  retryAfterInBody?: (body: Record<string, unknown>) => number | undefined;
  /**
   * The provider's documented error code in a failed answer (Matrix's `errcode`, Slack's plain-text
   * code): the only words of an answer a failure repeats, as a short quote. Never the body: the
   * endpoint may be anything the channel is pointed at.
   */
  errorCode?: (answer: ProviderAnswer) => unknown;
}

/** A provider whose failed answers carry their error code in one JSON field (`errorCode: errorField('errcode')`). */
export const errorField =
  (name: string) =>
  ({ json }: ProviderAnswer): unknown =>
    json?.[name];

/** A failed answer as a provider's `errorCode` reads it: the body as JSON (when it is a JSON object) and as text. */
export interface ProviderAnswer {
  json: Record<string, unknown> | undefined;
  text: string;
}

/** The guarded client's policy for a channel: private addresses when the installation or the channel allows them. */
export const policyFor = (spec: { allowPrivateTargets?: boolean | undefined }, ctx: DeliveryContext) => ({
  ...ctx.policy,
  allowPrivate: ctx.policy.allowPrivate || spec.allowPrivateTargets === true,
});

/**
 * `Retry-After` in seconds or as an HTTP date, in milliseconds from now; undefined when absent or
 * unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text?.trim()) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const bodyJson = (res: HttpResult): Record<string, unknown> | undefined => {
  try {
    const parsed: unknown = JSON.parse(res.body.toString('utf8'));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The provider's documented error code of a failed answer, quoted short; empty when it has none. */
function errorCodeOf(res: HttpResult, request: SendRequest): string {
  const code = request.errorCode?.({ json: bodyJson(res), text: res.body.toString('utf8').trim() });
  if (typeof code === 'number' && Number.isFinite(code)) return `: ${code}`;
  return typeof code === 'string' && code.trim() ? `: ${quote(code.trim())}` : '';
}

/** What an HTTP answer means for delivery: 2xx sent; 408, 429 and 5xx worth another try; other 4xx are for a person to fix. */
export function classify(res: HttpResult, provider: string, request: SendRequest = {}): Delivery {
  const status = res.status;
  if (status >= 200 && status < 300) return { ok: true, status };
  if (status >= 300 && status < 400) {
    const location = typeof res.headers.location === 'string' ? ` to ${quote(res.headers.location)}` : '';
    return { ok: false, retryable: false, status, message: `${provider} redirected${location}: put the final URL in the channel` };
  }
  const message = `${provider} answered ${status}${errorCodeOf(res, request)}`;
  if (status === 408 || status === 429 || status >= 500) {
    const json = status === 429 ? bodyJson(res) : undefined;
    const wait = parseRetryAfter(res.headers['retry-after']) ?? (json && request.retryAfterInBody?.(json));
    return { ok: false, retryable: true, status, message, ...(wait === undefined ? {} : { retryAfterMs: wait }) };
  }
  return { ok: false, retryable: false, status, message };
}

/** A failure before any answer: refusals and bad URLs need a person, network trouble may pass. */
export function failure(err: unknown, provider: string): Delivery {
  if (isNetError(err)) {
    const permanent = err.kind === 'invalid_url' || err.kind === 'blocked_scheme' || err.kind === 'blocked_address';
    return { ok: false, retryable: !permanent, message: `${provider}: ${err.message}` };
  }
  if (isAppError(err) && err.code === 'invalid_input') return { ok: false, retryable: false, message: `${provider}: ${err.message}` };
  return { ok: false, retryable: true, message: `${provider}: ${describeError(err)}` };
}

/**
 * One request to a provider through the guarded client, read as a Delivery. Redirects are not
 * followed: a POST that is redirected would arrive as a GET, and a moved endpoint is a config change.
 */
export async function send(url: string, request: SendRequest, spec: { type: string; allowPrivateTargets?: boolean | undefined }, ctx: DeliveryContext) {
  const headers: Record<string, string> = { ...request.headers };
  let body = request.raw;
  if (request.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(request.json);
  } else if (request.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(request.form).toString();
  }
  try {
    const res = await httpRequest(url, {
      method: request.method ?? 'POST',
      headers,
      ...(body === undefined ? {} : { body }),
      policy: policyFor(spec, ctx),
      resolver: ctx.resolver,
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      maxRedirects: 0,
      maxBodyBytes: 64 * 1024,
      ...(ctx.ca ? { tls: { ca: ctx.ca } } : {}),
    });
    return classify(res, spec.type, request);
  } catch (err) {
    return failure(err, spec.type);
  }
}

/** Joins a base URL (which may carry a path prefix) and an API path. */
export const endpoint = (base: string, path: string) => `${base.replace(/\/+$/, '')}${path}`;
