import { z } from 'zod';
import { duration } from '../config/duration.js';
import { channelRefs, httpUrl, objectName, timezone } from '../config/fields.js';
import { validRrule } from '../incidents/incidents.schema.js';
import { knownRefs, type Issue } from '../config/section.js';

/**
 * Checklists a routine can start from. `starter` is the care an agency owes every site, from the
 * brief behind Upkeep: updates, backups proven by a restore, audits read, GDPR records, goals,
 * contacts, planned upgrades.
 */
export const routineTemplates = {
  starter: {
    title: 'Site care (starter)',
    items: [
      'Updates reviewed: pending core, plugin and dependency updates applied or planned',
      'Backups verified by a restore drill',
      'Security and privacy audit read, findings handled',
      'GDPR records reviewed (processing, processors, cookies)',
      'Goals evaluated (traffic, conversions, speed, feedback)',
      'Contacts confirmed (owner, client contacts, hosting, registrar)',
      'Planned upgrades and redesigns reviewed',
    ],
  },
} as const;
export const templateNames = Object.keys(routineTemplates) as [keyof typeof routineTemplates];

const item = z.string().trim().min(1, 'a checklist item cannot be empty').max(300, 'a checklist item is at most 300 characters');

/**
 * A recurring checklist of one site: what to do (a template's items or its own), when (an RRULE on
 * the wall clock of a time zone), who (an account by email; none: the site's owner), and who hears
 * of it (channels, for the reminder before it is due and the alert once it is overdue).
 *
 * @example { name: Monthly care, template: starter, rrule: "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0", timezone: Europe/Stockholm, channels: [ops] }
 */
const routineFields = z
  .object({
    name: objectName('routine'),
    template: z.enum(templateNames).optional().describe('start from a template’s checklist (its items, unless `items` are given)'),
    items: z.array(item).min(1).max(100, 'at most 100 items').optional(),
    rrule: validRrule.describe('when it comes due, e.g. "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", on the wall clock of `timezone`'),
    timezone: timezone.default('UTC'),
    assignee: z.email().optional().describe('the account (email) who does it; none: the site’s owner'),
    remindBefore: duration().prefault('1d').describe('a reminder goes to the channels this long before it is due'),
    channels: channelRefs.describe('who hears the reminder and, once, that it is overdue'),
  })
  .strict();
const hasChecklist = (r: { template?: unknown; items?: unknown }) => r.template !== undefined || r.items !== undefined;
const needsChecklist = { error: 'a routine needs a template or its own items', path: ['items'] };
export const routineSchema = routineFields.refine(hasChecklist, needsChecklist);

export type RoutineSpec = z.output<typeof routineSchema>;

/** `routines:` of upkeep.yaml: the same, with the site named. */
export const routineConfigSchema = routineFields.extend({ site: objectName('site') }).refine(hasChecklist, needsChecklist);

export const completionInput = z
  .object({
    notes: z.string().max(10_000, 'at most 10,000 characters').default(''),
    evidence: z.array(httpUrl).max(20, 'at most 20 links').default([]).describe('links that show it was done (a restore log, a report)'),
    done: z.array(z.number().int().min(0)).max(100).optional().describe('indexes of the checklist items done (default: all)'),
  })
  .strict();

export const checklistOf = (spec: RoutineSpec): readonly string[] => spec.items ?? routineTemplates[spec.template!].items;

/** Routine names are unique per site; their sites and channels exist. */
export function checkRoutineReferences(
  config: {
    sites: readonly { name: string }[];
    channels: readonly { name: string }[];
    routines: readonly { site: string; name: string; channels?: string[] | undefined }[];
  },
  issue: Issue,
): void {
  const sites = new Set(config.sites.map((s) => s.name));
  const channels = new Set(config.channels.map((c) => c.name));
  const keys = new Set<string>();
  config.routines.forEach((r, i) => {
    const key = `${r.site}/${r.name}`;
    if (keys.has(key)) issue(['routines', i, 'name'], `site "${r.site}" has another routine named "${r.name}"`);
    keys.add(key);
    if (!sites.has(r.site)) issue(['routines', i, 'site'], `no site is named "${r.site}"`);
    knownRefs(r.channels, ['routines', i, 'channels'], (name) => channels.has(name), 'channel', issue);
  });
}
