import { Cron } from 'croner';
import type { MonitorSpec } from './monitor.schema.js';
import type { CheckResult } from './result.js';

type HeartbeatSpec = Extract<MonitorSpec, { type: 'heartbeat' }>;

/** What a heartbeat remembers between pings (stored with the monitor's state). */
export interface HeartbeatMemory {
  lastPingAt?: number;
  /** Jobs that said "started" and have not finished yet, by run id ("" without one). */
  runs?: Record<string, number>;
}

/** `success`, `start`, `fail`, or a process exit code (0 is success). */
export type PingKind = 'success' | 'start' | 'fail' | number;

export const MAX_PING_BODY = 10_000;
const MAX_OPEN_RUNS = 20;

/**
 * When the next ping is due at the latest, Healthchecks.io-style: after a ping at `last`, the next
 * is expected one period later (or at the next cron time, in the monitor's time zone — which is
 * what makes a daily 03:00 job 23 or 25 hours apart across a DST change), plus the grace time.
 * Undefined before the first ping: a new heartbeat waits for its job to report.
 */
export function deadline(spec: HeartbeatSpec, memory: HeartbeatMemory): number | undefined {
  if (memory.lastPingAt === undefined) return undefined;
  if (spec.period !== undefined) return memory.lastPingAt + spec.period + spec.grace;
  const next = new Cron(spec.schedule!, { timezone: spec.timezone, paused: true }).nextRun(new Date(memory.lastPingAt));
  return next ? next.getTime() + spec.grace : undefined;
}

function formatTime(ms: number, timezone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  })
    .format(new Date(ms))
    .replace(/ at /, ', ');
}

/** The result a ping gives, and the memory after it; `start` gives no result. */
export function applyPing(
  spec: HeartbeatSpec,
  memory: HeartbeatMemory,
  ping: { kind: PingKind; at: number; runId?: string | undefined; body?: string | undefined },
): { memory: HeartbeatMemory; result?: CheckResult } {
  const runId = ping.runId ?? '';
  const runs = { ...memory.runs };
  if (ping.kind === 'start') {
    runs[runId] = ping.at;
    // A job that starts and never finishes must not grow this without bound.
    const kept = Object.entries(runs)
      .sort(([, a], [, b]) => b - a)
      .slice(0, MAX_OPEN_RUNS);
    return { memory: { ...memory, runs: Object.fromEntries(kept) } };
  }
  const startedAt = runs[runId];
  delete runs[runId];
  const durationMs = startedAt === undefined ? undefined : ping.at - startedAt;
  const ran = durationMs === undefined ? '' : ` after running ${(durationMs / 1000).toFixed(1)} s`;
  const ok = ping.kind === 'success' || ping.kind === 0;
  const detail: Record<string, unknown> = {};
  if (ping.body) detail.body = ping.body.slice(0, MAX_PING_BODY);
  if (ping.runId) detail.runId = ping.runId;
  if (typeof ping.kind === 'number') detail.exitCode = ping.kind;
  const message = ok
    ? `ping received${ran}`
    : typeof ping.kind === 'number'
      ? `the job reported exit code ${ping.kind}${ran}`
      : `the job reported a failure${ran}`;
  return {
    memory: { lastPingAt: ping.at, runs },
    result: { status: ok ? 'up' : 'down', message, ...(durationMs === undefined ? {} : { durationMs }), detail },
  };
}

/** The result for a heartbeat whose deadline passed without a ping. */
export function missedResult(spec: HeartbeatSpec, memory: HeartbeatMemory, due: number): CheckResult {
  const last = memory.lastPingAt === undefined ? 'never' : formatTime(memory.lastPingAt, spec.timezone);
  return {
    status: 'down',
    message: `no ping since ${last} (expected by ${formatTime(due, spec.timezone)})`,
    detail: { lastPingAt: memory.lastPingAt ?? null, due },
  };
}
