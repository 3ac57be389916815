import { maxId } from '../lib/ids.js';
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { channelRefs, httpUrl, tag } from '../config/fields.js';
import { knownRefs, type ConfigSection, type Issue } from '../config/section.js';
import { feedbackStates } from './tables.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * `feedback:` of upkeep.yaml: how long reports are kept, how the public intake defends itself, and
 * when a burst of reports is worth telling the channels about.
 *
 * @example feedback: { retention: 90d, spike: { reports: 12, window: 10m }, channels: [ops] }
 */
export const feedbackConfigSchema = z
  .object({
    /** Reports older than this are deleted (hourly). */
    retention: duration({ min: DAY }).prefault('180d'),
    /** A form sent sooner than this after it was shown is refused: people read before they write, scripts do not. */
    minFillTime: duration({ min: 0, max: 10 * MINUTE }).prefault('3s'),
    /** How long a form token stays good. */
    tokenTtl: duration({ min: MINUTE, max: DAY }).prefault('2h'),
    limits: z
      .object({
        /** Reports one address (an IPv6 /64) may send per minute, to all sites together. */
        perAddress: z.number().int().min(1).max(10_000).default(10),
        /** Reports one site takes per minute from everyone. */
        perSite: z.number().int().min(1).max(100_000).default(300),
      })
      .strict()
      .prefault({}),
    /** `reports` within `window` on one site raise an incident suggestion, once per window. */
    spike: z
      .object({
        reports: z.number().int().min(2).max(100_000).default(12),
        window: duration({ min: MINUTE, max: DAY }).prefault('10m'),
      })
      .strict()
      .prefault({}),
    /** Channels told of spikes (names from `channels:`). */
    channels: channelRefs,
  })
  .strict();

export type FeedbackConfig = z.output<typeof feedbackConfigSchema>;

/** Users' voice (issue 17): feedback retention, the intake's limits, spikes. */
export const feedbackSection = {
  shape: { feedback: feedbackConfigSchema.prefault({}) },
  check: (config: { channels: readonly { name: string }[]; feedback: FeedbackConfig }, issue: Issue) => {
    const channels = new Set(config.channels.map((c) => c.name));
    knownRefs(config.feedback.channels, ['feedback', 'channels'], (name) => channels.has(name), 'channel', issue);
  },
} satisfies ConfigSection<{ channels: readonly { name: string }[]; feedback: FeedbackConfig }>;

/** An origin a site's pages are served from: scheme, host and port, no path. */
const origin = httpUrl.refine((s) => new URL(s).origin === s.replace(/\/$/, ''), {
  error: 'expected an origin like "https://shop.example" (scheme, host and port, no path)',
});

export const widgetInput = z
  .object({
    origins: z.array(origin).max(50, 'at most 50 origins').describe('Where the site’s pages are served from: the only origins whose browsers may send reports'),
  })
  .strict();

/** What a visitor sends, from the widget (JSON) or the plain form (url-encoded). */
export const submission = z.object({
  token: z.string().max(300),
  wrong: z.union([z.boolean(), z.enum(['yes', 'no']).transform((v) => v === 'yes')]).optional(),
  rating: z.union([z.number().int().min(1).max(5), z.enum(['1', '2', '3', '4', '5']).transform(Number)]).optional(),
  comment: z.string().max(5_000, 'at most 5,000 characters').default(''),
  email: z.union([z.literal(''), z.email().max(254)]).optional(),
  url: z.string().max(2_000).optional(),
  /** The honeypot: hidden from people, filled by form-filling bots. */
  website: z.string().max(2_000).optional(),
});

export const triageInput = z
  .object({
    state: z.enum(feedbackStates).optional().describe('new → triaged → linked (to an incident) → done'),
    tags: z.array(tag).max(20, 'at most 20 tags').optional(),
    incidentId: z.number().int().min(1).max(maxId).nullable().optional().describe('The incident this report is about (state becomes linked); null unlinks'),
  })
  .strict();
export type TriageInput = z.output<typeof triageInput>;

export const inboxQuery = z.object({
  state: z.enum(feedbackStates).optional(),
  tag: tag.optional(),
  q: z.string().max(200).optional().describe('Text in the comment, page URL or email'),
});
