import { z } from 'zod';
import { channelRefs, httpUrl, markdown, objectName, tags } from '../config/fields.js';
import { monitorSchema } from '../monitoring/monitor.schema.js';
import { objectivesSchema } from './objective.schema.js';

/** A site's own fields, as written in upkeep.yaml and in API bodies (its monitors are managed apart in the API). */
export const siteFields = {
  name: objectName('site'),
  url: httpUrl.optional(),
  description: z.string().max(2_000).optional(),
  tags,
  notify: channelRefs,
  /** Markdown, or a link to the runbook; linked in every alert about this site. */
  runbook: markdown.optional(),
  /** The escalation policy for this site's incidents (default: every channel is told at once). */
  escalation: z.string().min(1).optional(),
  /** The account answerable for the site (its email): new incidents are assigned to it; a site without one is flagged. */
  owner: z.email({ error: 'expected the email of an account, like "person@agency.example"' }).optional(),
  /** Who stands in for the owner (an account's email). */
  deputy: z.email({ error: 'expected the email of an account, like "person@agency.example"' }).optional(),
  /** Goals measured over time: availability and latency, with error budgets and burn-rate alerts (docs/objectives.md). */
  objectives: objectivesSchema.optional(),
};

export const siteSchema = z
  .object(siteFields)
  .strict()
  .meta({ examples: [{ name: 'Shop', url: 'https://shop.example.com/', tags: ['client-a'] }] });
export type SiteInput = z.input<typeof siteSchema>;
export type SiteSpec = z.output<typeof siteSchema>;

/** A site with its monitors, as the config file holds it. */
export const siteWithMonitorsSchema = z.object({ ...siteFields, monitors: z.array(monitorSchema).default([]) }).strict();
