import rrule from 'rrule';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { cronExpression, objectName, tags, timezone } from '../config/fields.js';

export const severities = ['critical', 'major', 'minor'] as const;
export const severity = z.enum(severities);

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day like "22:00"');

/** Incident handling, instance-wide. */
export const incidentSettingsSchema = z
  .object({
    /** How long every monitor of an incident must stay up before it resolves on its own (against flapping). */
    resolveAfter: duration({ min: 0 }).prefault('2m'),
    /** How long an acknowledge link in a message works. */
    acknowledgeLinkTtl: duration({ min: 60_000 }).prefault('24h'),
    /** How long a new message waits for more news of the same incident to fold in, so monitors failing together make one message. */
    groupWait: duration({ min: 0, max: 300_000 }).prefault('10s'),
  })
  .strict();

/** Someone who can be told: their channels, and hours when only critical incidents reach them. */
export const contactSchema = z
  .object({
    name: objectName('contact'),
    channels: z.array(z.string().min(1)).min(1),
    quietHours: z
      .object({ from: clockTime, to: clockTime, timezone: timezone.default('UTC'), allowCritical: z.boolean().default(true) })
      .strict()
      .optional(),
  })
  .strict();

/** Contacts taking turns: whoever's turn it is when a step notifies "the rotation". */
export const rotationSchema = z
  .object({
    name: objectName('rotation'),
    contacts: z.array(z.string().min(1)).min(1),
    every: duration({ min: 3_600_000 }).prefault('1w'),
    /** When the first contact's turn began; turns follow every `every` after it. */
    startsAt: z.iso.datetime({ offset: true }),
  })
  .strict();

/**
 * Who is told, in what order: step 1 at once, each next step after its delay if nobody has
 * acknowledged; reminders while unresolved. A step names channels, contacts or rotations.
 */
export const escalationSchema = z
  .object({
    name: objectName('escalation policy'),
    steps: z.array(z.object({ after: duration({ min: 0 }).prefault('0s'), notify: z.array(z.string().min(1)).min(1) }).strict()).min(1),
    remindEvery: duration({ min: 60_000 }).optional(),
  })
  .strict();

export const validRrule = z.string().superRefine((text, ctx) => {
  const fail = (why: string) => ctx.addIssue({ code: 'custom', message: `expected an RRULE like "FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0": ${why}` });
  try {
    const options = rrule.RRule.parseString(text.replace(/^RRULE:/i, ''));
    // The parser leaves unknown values undefined instead of refusing them.
    if (options.freq === undefined) fail('FREQ is missing or unknown');
    else if (Object.values(options).some((v: unknown) => v === undefined || (Array.isArray(v) && v.includes(undefined)))) fail('a value is not understood');
  } catch (err) {
    fail((err as Error).message);
  }
});

/**
 * A maintenance window: one-off (`start` and `end`) or recurring (`cron` or `rrule`, each with a
 * `duration` and a `timezone`), over sites, monitors ("Site/Monitor") or tags. Checks keep running;
 * monitors show "maintenance" and no alert fires.
 */
export const maintenanceSchema = z
  .object({
    name: objectName('maintenance window'),
    description: z.string().max(2_000).optional(),
    sites: z.array(z.string().min(1)).optional(),
    monitors: z.array(z.string().regex(/^[^/]+\/[^/]+$/, 'expected "Site name/Monitor name"')).optional(),
    tags: tags.optional(),
    start: z.iso.datetime({ offset: true }).optional(),
    end: z.iso.datetime({ offset: true }).optional(),
    cron: cronExpression.optional(),
    rrule: validRrule.optional(),
    duration: duration({ min: 60_000 }).optional(),
    timezone: timezone.default('UTC'),
  })
  .strict()
  .superRefine((w, ctx) => {
    const forms = [w.start !== undefined || w.end !== undefined, w.cron !== undefined, w.rrule !== undefined].filter(Boolean).length;
    if (forms !== 1) ctx.addIssue({ code: 'custom', path: [], message: 'a maintenance window needs exactly one of: start and end, cron, or rrule' });
    if ((w.start === undefined) !== (w.end === undefined))
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'a one-off window needs both start and end' });
    if (w.start && w.end && Date.parse(w.end) <= Date.parse(w.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end must be after start' });
    if ((w.cron || w.rrule) && w.duration === undefined)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'a recurring window needs a duration, e.g. "1h"' });
    if (!w.sites?.length && !w.monitors?.length && !w.tags?.length)
      ctx.addIssue({ code: 'custom', path: [], message: 'a maintenance window needs sites, monitors or tags to cover' });
  })
  .meta({ examples: [{ name: 'Weekly updates', cron: '0 3 * * 0', duration: '1h', timezone: 'Europe/Stockholm', sites: ['Shop'] }] });

export type MaintenanceSpec = z.output<typeof maintenanceSchema>;
export type EscalationSpec = z.output<typeof escalationSchema>;
export type ContactSpec = z.output<typeof contactSchema>;
export type RotationSpec = z.output<typeof rotationSchema>;
