import { z } from 'zod';
import { storedMeta, storedSchema } from '../http/schema.js';
import { statusPageSchema, statusPageSecrets, updateStatuses } from './status-page.schema.js';

/** Answers of the status page management routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });

export const pageOut = storedSchema(statusPageSchema, { meta: storedMeta, secrets: statusPageSecrets.isSecret });

export const subscriberOut = z.object({
  id: z.number().int(),
  type: z.enum(['email', 'webhook']),
  address: z.string().describe('the email address or the webhook URL'),
  components: z.array(z.string()).nullable().describe('the components it hears of (null: all)'),
  confirmed: z.boolean(),
  createdAt: iso,
});

export const templateOut = z.object({
  id: z.number().int(),
  name: z.string(),
  status: z.enum(updateStatuses).optional(),
  body: z.string(),
  managedBy: z.enum(['config', 'api']),
});

export const updateOut = z.object({
  id: z.number().int(),
  incidentId: z.number().int(),
  status: z.enum(updateStatuses),
  body: z.string().describe('Markdown'),
  author: z.string(),
  pages: z.array(z.string()).nullable().describe('slugs of the pages it shows on (null: every page the incident shows on)'),
  at: iso,
});
export const updatePosted = updateOut.extend({ notified: z.number().int().describe('subscribers told') });
