import { z } from 'zod';

/** Answers of the routines routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });

export const routineOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  name: z.string(),
  template: z.string().optional(),
  items: z.array(z.string()).optional(),
  rrule: z.string(),
  timezone: z.string(),
  assignee: z.string().optional(),
  remindBefore: z.string().describe('a duration like "1d"'),
  channels: z.array(z.string()).optional(),
  checklist: z.array(z.string()).describe('what to check: its items, or its template’s'),
  managedBy: z.enum(['config', 'api']),
  dueAt: iso.nullable().describe('when it is next due (null: its rule has ended)'),
  overdue: z.boolean(),
  createdAt: iso,
  updatedAt: iso,
});

export const runOut = z.object({
  id: z.number().int(),
  routineId: z.number().int(),
  dueAt: iso.nullable(),
  completedAt: iso,
  completedBy: z.string(),
  notes: z.string(),
  evidence: z.array(z.string()),
  checklist: z.array(z.object({ text: z.string(), done: z.boolean() })),
});

export const templateOut = z.object({ name: z.string(), title: z.string(), items: z.array(z.string()) });
