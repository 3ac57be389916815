import { describe, expect, it } from 'vitest';
import { monitorSchema, type MonitorSpec } from './monitor.schema.js';
import { applyPing, deadline, missedResult } from './heartbeat.js';

const heartbeat = (fields: Record<string, unknown>) =>
  monitorSchema.parse({ name: 'job', type: 'heartbeat', ...fields }) as Extract<MonitorSpec, { type: 'heartbeat' }>;

describe('heartbeats', () => {
  it('expects the next ping one period plus grace after the last', () => {
    const spec = heartbeat({ period: '1h', grace: '5m' });
    expect(deadline(spec, {})).toBeUndefined();
    expect(deadline(spec, { lastPingAt: 0 })).toBe(3_600_000 + 300_000);
  });

  it('follows a cron schedule in its time zone across both DST changes', () => {
    const spec = heartbeat({ schedule: '0 3 * * *', timezone: 'Europe/Stockholm', grace: '30m' });
    // 28 March 2026, 03:00 CET = 02:00Z; the clocks go forward that night, so the next 03:00 is CEST = 01:00Z: 23 hours later.
    const beforeSpring = Date.parse('2026-03-28T02:00:00Z');
    expect(new Date(deadline(spec, { lastPingAt: beforeSpring })!).toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 24 October 2026, 03:00 CEST = 01:00Z; the clocks go back, so the next 03:00 CET is 02:00Z: 25 hours later.
    const beforeAutumn = Date.parse('2026-10-24T01:00:00Z');
    expect(new Date(deadline(spec, { lastPingAt: beforeAutumn })!).toISOString()).toBe('2026-10-25T02:30:00.000Z');
  });

  it('times a run from start to success, by run id, and keeps the body', () => {
    const spec = heartbeat({ period: '1d' });
    let memory = applyPing(spec, {}, { kind: 'start', at: 1_000, runId: 'a' }).memory;
    memory = applyPing(spec, memory, { kind: 'start', at: 2_000, runId: 'b' }).memory;
    const done = applyPing(spec, memory, { kind: 'success', at: 13_300, runId: 'a', body: 'x'.repeat(20_000) });
    expect(done.result).toMatchObject({ status: 'up', durationMs: 12_300, message: 'ping received after running 12.3 s' });
    expect((done.result!.detail!.body as string).length).toBe(10_000);
    expect(done.memory.runs).toEqual({ b: 2_000 });
  });

  it('treats /fail and a non-zero exit code as down, exit code 0 as success', () => {
    const spec = heartbeat({ period: '1d' });
    expect(applyPing(spec, {}, { kind: 'fail', at: 1 }).result).toMatchObject({ status: 'down', message: 'the job reported a failure' });
    expect(applyPing(spec, {}, { kind: 3, at: 1 }).result).toMatchObject({ status: 'down', message: 'the job reported exit code 3', detail: { exitCode: 3 } });
    expect(applyPing(spec, {}, { kind: 0, at: 1 }).result).toMatchObject({ status: 'up' });
  });

  it('says when the last ping was and when the next was due', () => {
    const spec = heartbeat({ schedule: '0 3 * * *', timezone: 'Europe/Stockholm' });
    const message = missedResult(spec, { lastPingAt: Date.parse('2026-03-28T02:00:00Z') }, Date.parse('2026-03-29T02:00:00Z')).message;
    expect(message).toBe('no ping since 28 Mar 2026, 03:00 CET (expected by 29 Mar 2026, 04:00 CEST)');
  });
});
