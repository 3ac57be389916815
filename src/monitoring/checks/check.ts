import { connectGuarded, isNetError, type GuardedConnection, type NetPolicy, type Resolver, type TlsOptions } from '../../lib/net/index.js';
import { describeError } from '../../lib/errors.js';
import { quote } from '../../lib/evidence.js';
import type { MonitorSpec, MonitorType } from '../monitor.schema.js';
import type { CheckResult } from '../result.js';

/** What a check gets besides its monitor's definition. */
export interface CheckContext {
  policy: NetPolicy;
  resolver: Resolver;
  signal: AbortSignal;
  /** Certificate authorities trusted besides the bundled ones (network.caFiles): a company's private CA. */
  ca?: readonly string[];
  /** Sent as the User-Agent of HTTP checks unless the monitor sets one (a probe names its location, so a site can tell). */
  userAgent?: string;
}

export type ProbeType = Exclude<MonitorType, 'heartbeat'>;
export type SpecOf<K extends MonitorType> = Extract<MonitorSpec, { type: K }>;

/** A check type: runs one check and returns its result; a failing target is a result, never a throw. */
export interface CheckType<K extends ProbeType> {
  run(spec: SpecOf<K>, ctx: CheckContext): Promise<CheckResult>;
}

const MESSAGE_CHARS = 300;

/** A transport failure as a result: the guarded client's message, and its kind as evidence. */
export function failureResult(err: unknown, startedAt: number): CheckResult {
  const durationMs = performance.now() - startedAt;
  // Messages can name what a target sent (a redirect chain): kept short like all evidence.
  if (isNetError(err)) return { status: 'down', message: quote(err.message, MESSAGE_CHARS), durationMs, detail: { error: err.kind } };
  return { status: 'down', message: quote(`the check failed: ${describeError(err)}`, MESSAGE_CHARS), durationMs };
}

/**
 * Connects to a check's target through the guarded client within the check's timeout (TLS with the
 * trusted authorities when `tls` is given); a connection that fails is already the check's result.
 */
export async function connectTarget(
  spec: { host: string; port: number; timeout: number },
  ctx: CheckContext,
  startedAt: number,
  tls?: TlsOptions,
): Promise<GuardedConnection | CheckResult> {
  try {
    return await connectGuarded(spec.host, spec.port, {
      policy: ctx.policy,
      resolver: ctx.resolver,
      deadlineMs: spec.timeout,
      signal: ctx.signal,
      ...(tls ? { tls: { ...tls, ...(ctx.ca ? { ca: ctx.ca } : {}) } } : {}),
    });
  } catch (err) {
    return failureResult(err, startedAt);
  }
}

export const ms = (n: number) => `${Math.round(n)} ms`;
