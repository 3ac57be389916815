import { describe, expect, it } from 'vitest';
import type { Outcome, RecordedResult } from './result.js';
import { applyConditions, applyResult, flapPercent, initialState, isConfirming, type MonitorState, type StateEvent } from './state-machine.js';

const t = { downAfter: 2, upAfter: 1 };
const open = { paused: false, maintenance: false };

/** Feeds outcomes through the machine one minute apart; returns the final state and every event. */
function run(outcomes: Outcome[], state: MonitorState = initialState(0), thresholds = t) {
  const events: StateEvent[] = [];
  const recent: RecordedResult[] = [];
  outcomes.forEach((status, i) => {
    const result = { monitorId: 1, at: (i + 1) * 60_000, status, message: status === 'down' ? 'connection refused' : '200 OK' };
    recent.push(result);
    const step = applyResult(state, result, thresholds, open, recent.slice(-5));
    state = step.state;
    events.push(...step.events);
  });
  return { state, events };
}

/** A deterministic generator (mulberry32), so the flaky target is the same every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('the state machine', () => {
  it('shows a new monitor up at its first success', () => {
    const { state, events } = run(['up']);
    expect(state.status).toBe('up');
    expect(events).toMatchObject([{ kind: 'status', from: 'pending', to: 'up' }]);
  });

  it('goes down only after downAfter failures in a row, with those results as evidence', () => {
    const once = run(['up', 'down']);
    expect(once.state.status).toBe('up');
    expect(isConfirming(once.state)).toBe(true);
    const twice = run(['up', 'down', 'down']);
    expect(twice.state.status).toBe('down');
    const down = twice.events.at(-1)!;
    expect(down).toMatchObject({ from: 'up', to: 'down', message: 'connection refused (2 checks in a row)' });
    expect(down.evidence.map((e) => e.status)).toEqual(['down', 'down']);
    expect(isConfirming(twice.state)).toBe(false);
  });

  it('comes back up after upAfter successes', () => {
    expect(run(['up', 'down', 'down', 'up']).state.status).toBe('up');
    expect(run(['up', 'down', 'down', 'up'], initialState(0), { downAfter: 2, upAfter: 3 }).state.status).toBe('down');
    expect(run(['up', 'down', 'down', 'up', 'up', 'up'], initialState(0), { downAfter: 2, upAfter: 3 }).state.status).toBe('up');
  });

  it('raises no down event for a target that fails 1 check in 20 at random positions', () => {
    const rnd = random(42);
    const outcomes: Outcome[] = [];
    for (let block = 0; block < 500; block++) {
      const bad = 1 + Math.floor(rnd() * 18);
      for (let i = 0; i < 20; i++) outcomes.push(i === bad ? 'down' : 'up');
    }
    const { events } = run(outcomes);
    expect(events.filter((e) => e.kind === 'status' && e.to === 'down')).toEqual([]);
  });

  it('measures flapping as a weighted share of changes and stops it with hysteresis', () => {
    expect(flapPercent('uuuuu')).toBe(0);
    expect(flapPercent('udud')).toBe(100);
    const flappy: Outcome[] = Array.from({ length: 21 }, (_, i) => (i % 4 < 2 ? 'up' : 'down'));
    const { state, events } = run(flappy);
    expect(state.flapping).toBe(true);
    expect(events.some((e) => e.kind === 'flapping_started')).toBe(true);
    const calm = run(Array<Outcome>(21).fill('up'), state);
    expect(calm.state.flapping).toBe(false);
    expect(calm.events.some((e) => e.kind === 'flapping_stopped')).toBe(true);
  });

  it('shows maintenance and paused over health, and returns to health after', () => {
    let { state } = run(['up']);
    const m = applyConditions(state, { paused: false, maintenance: true }, 1, []);
    expect(m.events).toMatchObject([{ from: 'up', to: 'maintenance' }]);
    state = m.state;
    const inside = applyResult(state, { monitorId: 1, at: 2, status: 'down', message: 'x' }, t, { paused: false, maintenance: true }, []);
    const inside2 = applyResult(inside.state, { monitorId: 1, at: 3, status: 'down', message: 'x' }, t, { paused: false, maintenance: true }, []);
    expect([...inside.events, ...inside2.events]).toEqual([]);
    expect(inside2.state).toMatchObject({ status: 'maintenance', health: 'down' });
    const out = applyConditions(inside2.state, open, 4, []);
    expect(out.events).toMatchObject([{ from: 'maintenance', to: 'down' }]);
  });

  it('shows an up monitor that is slower than usual as degraded, with the numbers', () => {
    const { state } = run(['up']);
    const slow = applyConditions(state, open, 5, [], 'p95 840 ms, usually 210 ms');
    expect(slow.events).toMatchObject([{ from: 'up', to: 'degraded', message: 'slower than usual: p95 840 ms, usually 210 ms' }]);
    expect(applyConditions(slow.state, open, 6, [], null).events).toMatchObject([{ from: 'degraded', to: 'up' }]);
  });
});
