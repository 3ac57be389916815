import { describe, expect, it } from 'vitest';
import { contactSchema, rotationSchema } from './incidents.schema.js';
import { onCall, quietUntil } from './routing.js';

describe('routing', () => {
  it('holds messages during quiet hours in the contact’s time zone until they end', () => {
    const quiet = contactSchema.parse({ name: 'a', channels: ['x'], quietHours: { from: '22:00', to: '07:00', timezone: 'Europe/Stockholm' } }).quietHours!;
    // 23:30 in Stockholm (CET) is 22:30Z; quiet hours end at 07:00 CET = 06:00Z.
    expect(new Date(quietUntil(quiet, Date.parse('2026-01-10T22:30:00Z'))!).toISOString()).toBe('2026-01-11T06:00:00.000Z');
    expect(quietUntil(quiet, Date.parse('2026-01-10T12:00:00Z'))).toBeUndefined();
    expect(new Date(quietUntil(quiet, Date.parse('2026-07-10T02:00:00Z'))!).toISOString()).toBe('2026-07-10T05:00:00.000Z');
  });

  it('passes a rotation from contact to contact every period', () => {
    const rotation = rotationSchema.parse({ name: 'r', contacts: ['alice', 'bob', 'carol'], every: '1w', startsAt: '2026-01-05T09:00:00+01:00' });
    expect(onCall(rotation, Date.parse('2026-01-06T00:00:00Z'))).toBe('alice');
    expect(onCall(rotation, Date.parse('2026-01-13T00:00:00Z'))).toBe('bob');
    expect(onCall(rotation, Date.parse('2026-01-20T10:00:00Z'))).toBe('carol');
    expect(onCall(rotation, Date.parse('2026-01-27T10:00:00Z'))).toBe('alice');
    expect(onCall(rotation, Date.parse('2026-01-01T00:00:00Z'))).toBe('carol');
  });
});
