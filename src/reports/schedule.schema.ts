import { z } from 'zod';
import { objectName, timezone } from '../config/fields.js';
import { brandSchema } from './brand.js';
import { languages } from './messages.js';

/**
 * A monthly report sent by email: a team's (client's) sites or one site, on a day of the month,
 * to contacts or email channels (each gets the PDF through its email channel's SMTP server), in a
 * language and under the agency's brand. Every report sent is kept in the archive.
 *
 * @example { name: 'Client A', team: 'Client A', day: 3, timezone: 'Europe/Stockholm', language: 'sv', to: ['Client A contacts'] }
 */
export const reportScheduleSchema = z
  .object({
    name: objectName('report'),
    team: z.string().min(1).max(120).optional(),
    site: z.string().min(1).max(120).optional(),
    /** The day of the month the previous month's report goes out (1–28: every month has it). */
    day: z.number().int().min(1).max(28).default(1),
    /** Where the month begins and ends, and the day begins. */
    timezone: timezone.default('UTC'),
    language: z.enum(languages).default('en'),
    /** Names of contacts (their email channels) or of email channels. */
    to: z.array(z.string().min(1).max(120)).min(1, 'a report needs at least one recipient in "to"').max(50),
    brand: brandSchema.optional(),
  })
  .strict()
  .refine((s) => !s.team !== !s.site, { message: 'a report is of a team or of a site: give one of them', path: ['team'] });
export type ReportScheduleSpec = z.output<typeof reportScheduleSchema>;
