import { describe, expect, it } from 'vitest';
import { combine, locationViews, type LocationResult } from './combine.js';

const now = 1_000_000;
const seen = (location: string, status: LocationResult['status'], ago = 1_000): LocationResult => ({
  location,
  at: now - ago,
  status,
  message: status === 'up' ? 'HTTP 200 in 5 ms' : 'HTTP 500 in 5 ms',
  durationMs: 5,
});
const views = (...results: LocationResult[]) => locationViews(['a', 'b', 'c'], new Map(results.map((r) => [r.location, r])), now, 10_000);

describe('k of n', () => {
  it('is down only when the quorum of locations sees it down, and names them', () => {
    expect(combine(views(seen('a', 'down'), seen('b', 'up'), seen('c', 'up')), 2)).toMatchObject({
      status: 'up',
      message: 'up in b, c of 3 locations; down in a (below the quorum of 2)',
    });
    expect(combine(views(seen('a', 'down'), seen('b', 'down'), seen('c', 'up')), 2)).toMatchObject({
      status: 'down',
      message: 'down in a, b (2 of 3 locations): HTTP 500 in 5 ms',
      detail: { locations: ['a', 'b'] },
    });
  });

  it('counts a location silent for 3 intervals neither way, and says nothing when all are silent', () => {
    const silent = views(seen('a', 'down'), seen('b', 'down', 31_000), seen('c', 'up'));
    expect(silent.map((v) => v.status)).toEqual(['down', 'unavailable', 'up']);
    expect(combine(silent, 2)).toMatchObject({ status: 'up', message: 'up in c of 3 locations; down in a (below the quorum of 2); unavailable: b' });
    expect(combine(views(seen('a', 'down'), seen('b', 'down'), seen('c', 'up', 31_000)), 2)?.status).toBe('down');
    expect(combine(views(), 2)).toBeNull();
  });

  it('is degraded when the quorum sees it degraded or down but fewer see it down', () => {
    expect(combine(views(seen('a', 'degraded'), seen('b', 'down'), seen('c', 'up')), 2)?.status).toBe('degraded');
  });
});
