import { describe, expect, it } from 'vitest';
import { schedulesFor } from '../../src/audits/config.js';
import { config } from '../support/core.js';

describe('the audits: section of upkeep.yaml', () => {
  it('schedules security and privacy daily, the rest weekly, unless told otherwise', () => {
    const loaded = config('sites:\n  - name: Shop\n    url: https://shop.example.com\n');
    expect(loaded.config.audits.schedules).toEqual({
      security: 86_400_000,
      privacy: 86_400_000,
      performance: 604_800_000,
      accessibility: 604_800_000,
      links: 604_800_000,
    });
  });

  it('takes intervals, cron expressions with a time zone, "off", and per-site overrides', () => {
    const loaded = config(`
sites:
  - name: Shop
    url: https://shop.example.com
  - name: Blog
    url: https://blog.example.com
audits:
  schedules:
    security: 12h
    performance: { cron: '0 4 * * 1', timezone: Europe/Stockholm }
    links: 'off'
  performance:
    runs: 5
    budgets: { minScore: 90, metrics: { largest-contentful-paint: 2500 }, resourceSizes: { script: 300 } }
  sites:
    Blog: { schedules: { security: 7d } }
    Shop: { enabled: false }
`);
    const audits = loaded.config.audits;
    expect(schedulesFor(audits, 'Blog')).toMatchObject({
      security: 604_800_000,
      performance: { cron: '0 4 * * 1', timezone: 'Europe/Stockholm' },
      links: 'off',
    });
    expect(Object.values(schedulesFor(audits, 'Shop'))).toEqual(['off', 'off', 'off', 'off', 'off']);
    expect(audits.performance).toMatchObject({ runs: 5, budgets: { minScore: 90, resourceSizes: { script: 300 } } });
  });

  it.each([
    [
      'audits:\n  schedules:\n    security: fast\n',
      /upkeep\.yaml:3:15 audits\.schedules\.security: expected "off", an interval of at least "1h" like "1d", or \{ cron: "0 3 \* \* \*" \}, got "fast"/,
    ],
    ['audits:\n  schedules:\n    security: 10m\n', /audits\.schedules\.security/],
    ['audits:\n  schedules:\n    speed: 1d\n', /audits\.schedules: unknown field "speed"/],
    ['audits:\n  performance:\n    runs: 20\n', /audits\.performance\.runs/],
    ['audits:\n  performance:\n    budgets:\n      resourceSizes: { scripts: 100 }\n', /audits\.performance\.budgets\.resourceSizes/],
    ['audits:\n  sites:\n    Nowhere: { enabled: false }\n', /audits\.sites\.Nowhere: no site is named "Nowhere"/],
  ])('points at the mistake in %j', (yaml, message) => {
    expect(() => config(yaml)).toThrow(message);
  });
});
