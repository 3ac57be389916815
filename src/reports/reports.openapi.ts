import { z } from 'zod';
import { storedSchema } from '../http/schema.js';
import { reportScheduleSchema } from './schedule.schema.js';

/** Answers of the reports routes, for the OpenAPI document. */

export const scheduleOut = storedSchema(reportScheduleSchema, {
  meta: z.object({
    id: z.number().int(),
    managedBy: z.enum(['config', 'api']).describe('"config": defined in upkeep.yaml and changed there; "api": made in the API or dashboard'),
  }),
});

export const archivedOut = z.object({
  id: z.number().int(),
  schedule: z.string().nullable().describe('the schedule that sent it'),
  title: z.string().describe('the team or site it covers'),
  month: z.string().describe('YYYY-MM'),
  language: z.string(),
  recipients: z.string().describe('the addresses it went to, comma-separated'),
  createdAt: z.iso.datetime({ offset: true }),
  siteIds: z.array(z.number().int()),
});
