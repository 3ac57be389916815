import { z } from 'zod';
import { feedbackStates } from './tables.js';

/** Answers of the feedback routes, for the OpenAPI document. */

const iso = z.iso.datetime({ offset: true });

export const widgetOut = z.object({
  siteId: z.number().int(),
  siteKey: z.string().describe('public: it is in the script tag'),
  origins: z.array(z.string()).describe('the origins whose browsers may send reports'),
  scriptUrl: z.string(),
  formUrl: z.string().describe('the plain form, without JavaScript'),
  snippet: z.string().describe('the HTML to put on the site’s pages'),
  managedBy: z.enum(['config', 'api']).describe('config: written in upkeep.yaml (feedbackWidgets:), changed only there'),
});

export const feedbackOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  state: z.enum(feedbackStates),
  wentWrong: z.boolean().nullable().describe('the answer to "Did something go wrong?" (null: not answered)'),
  rating: z.number().int().min(1).max(5).nullable(),
  comment: z.string(),
  email: z.string().nullable(),
  pageUrl: z.string().nullable(),
  userAgent: z.string().nullable(),
  tags: z.array(z.string()),
  incidentId: z.number().int().nullable(),
  createdAt: iso,
  updatedAt: iso,
});

export const ratingDayOut = z.object({
  day: z.string().describe('UTC day, YYYY-MM-DD'),
  reports: z.number().int(),
  rated: z.number().int().describe('reports with a rating'),
  average: z.number().nullable().describe('mean rating of the day (null: none rated)'),
  wentWrong: z.number().int().describe('reports saying something went wrong'),
});
