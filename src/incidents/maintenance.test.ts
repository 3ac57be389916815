import { describe, expect, it } from 'vitest';
import { maintenanceSchema } from './incidents.schema.js';
import { activeAt, MaintenanceCalendar, occurrences } from './maintenance.js';

const window = (fields: Record<string, unknown>) => maintenanceSchema.parse({ name: 'w', sites: ['Shop'], ...fields });
const iso = (ms: number) => new Date(ms).toISOString();

describe('maintenance windows', () => {
  // Sunday 02:00–03:00 in Stockholm: 01:00–02:00Z in winter (CET), 00:00–01:00Z in summer (CEST).
  for (const [form, fields] of [
    ['cron', { cron: '0 2 * * 0', duration: '1h', timezone: 'Europe/Stockholm' }],
    ['rrule', { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', duration: '1h', timezone: 'Europe/Stockholm' }],
  ] as const) {
    it(`a weekly ${form} window stays at 02:00–03:00 local time on both sides of each DST change`, () => {
      const spec = window(fields);
      const starts = (from: string, to: string) => occurrences(spec, Date.parse(from), Date.parse(to)).map((o) => iso(o.start));
      expect(starts('2026-03-21T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual([
        '2026-03-22T01:00:00.000Z',
        expect.stringMatching(/^2026-03-29T01:00/),
        '2026-04-05T00:00:00.000Z',
      ]);
      expect(starts('2026-10-17T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual([
        '2026-10-18T00:00:00.000Z',
        expect.stringMatching(/^2026-10-25T0[01]:00/),
        '2026-11-01T01:00:00.000Z',
      ]);
      // 02:30 local is inside the window before and after the spring change; 03:30 local is not.
      expect(activeAt(spec, Date.parse('2026-03-22T01:30:00Z'))).toBeDefined();
      expect(activeAt(spec, Date.parse('2026-04-05T00:30:00Z'))).toBeDefined();
      expect(activeAt(spec, Date.parse('2026-04-05T01:30:00Z'))).toBeUndefined();
      expect(activeAt(spec, Date.parse('2026-03-22T00:30:00Z'))).toBeUndefined();
    });
  }

  it('tells the exact next begin or end of a window across the spring DST change, and answers from it until then', () => {
    const calendar = new MaintenanceCalendar();
    calendar.set([{ name: 'patching', spec: window({ rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', duration: '1h', timezone: 'Europe/Stockholm' }) }]);
    const changes: string[] = [];
    for (let at = Date.parse('2026-03-21T00:00:00Z'); at < Date.parse('2026-04-06T00:00:00Z');) {
      const next = calendar.nextChange(at);
      expect(next).toBeGreaterThan(at);
      // Until the next change the answer stays what it is at `at`.
      const now = calendar.activeWindows(at).length;
      expect(calendar.activeWindows(next - 1).length).toBe(now);
      if (calendar.activeWindows(next).length !== now) changes.push(`${iso(next)} ${now ? 'ends' : 'begins'}`);
      at = next;
    }
    expect(changes).toEqual([
      '2026-03-22T01:00:00.000Z begins',
      '2026-03-22T02:00:00.000Z ends',
      '2026-03-29T01:00:00.000Z begins',
      '2026-03-29T02:00:00.000Z ends',
      '2026-04-05T00:00:00.000Z begins',
      '2026-04-05T01:00:00.000Z ends',
    ]);
    expect(new MaintenanceCalendar().nextChange(0)).toBe(Infinity);
  });

  it('a one-off window covers [start, end)', () => {
    const spec = window({ start: '2026-05-01T10:00:00+02:00', end: '2026-05-01T12:00:00+02:00' });
    expect(activeAt(spec, Date.parse('2026-05-01T08:00:00Z'))).toEqual({ start: Date.parse('2026-05-01T08:00:00Z'), end: Date.parse('2026-05-01T10:00:00Z') });
    expect(activeAt(spec, Date.parse('2026-05-01T10:00:00Z'))).toBeUndefined();
  });

  it('matches monitors by site, by "Site/Monitor" and by tag, and lists what is coming', () => {
    const calendar = new MaintenanceCalendar();
    calendar.set([
      { name: 'patching', spec: window({ cron: '0 2 * * 0', duration: '1h', timezone: 'Europe/Stockholm' }) },
      {
        name: 'db',
        spec: maintenanceSchema.parse({ name: 'db', monitors: ['Blog/Database'], tags: ['mysql'], start: '2026-05-03T00:00:00Z', end: '2026-05-03T06:00:00Z' }),
      },
    ]);
    const at = Date.parse('2026-05-03T00:30:00Z');
    expect(calendar.windowFor({ site: 'Shop', key: 'Shop/Home', tags: [] }, at)).toBe('patching');
    expect(calendar.windowFor({ site: 'Blog', key: 'Blog/Database', tags: [] }, at)).toBe('db');
    expect(calendar.windowFor({ site: 'Blog', key: 'Blog/Home', tags: ['mysql'] }, at)).toBe('db');
    expect(calendar.windowFor({ site: 'Blog', key: 'Blog/Home', tags: [] }, at)).toBeUndefined();
    expect(calendar.upcoming(Date.parse('2026-05-02T00:00:00Z'), Date.parse('2026-05-11T00:00:00Z')).map((u) => u.name)).toEqual([
      'patching',
      'db',
      'patching',
    ]);
  });

  it('explains a window that is not complete', () => {
    expect(maintenanceSchema.safeParse({ name: 'x', sites: ['a'], cron: '0 2 * * 0' }).error?.issues[0]?.message).toBe(
      'a recurring window needs a duration, e.g. "1h"',
    );
    expect(maintenanceSchema.safeParse({ name: 'x', cron: '0 2 * * 0', duration: '1h' }).error?.issues[0]?.message).toBe(
      'a maintenance window needs sites, monitors or tags to cover',
    );
    expect(maintenanceSchema.safeParse({ name: 'x', sites: ['a'], rrule: 'FREQ=SOMETIMES', duration: '1h' }).error?.issues[0]?.message).toBe(
      'expected an RRULE like "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0": FREQ is missing or unknown',
    );
    expect(maintenanceSchema.safeParse({ name: 'x', sites: ['a'], rrule: 'FREQ=WEEKLY;BYDAY=XX', duration: '1h' }).error?.issues[0]?.message).toMatch(
      /a value is not understood$/,
    );
  });
});
