import { z } from 'zod';
import { duration } from '../../config/duration.js';
import { sshTargetSchema } from '../ssh/target.js';
import { stepSchema } from './steps/index.js';

const region = z.object({ x: z.number().min(0), y: z.number().min(0), width: z.number().positive(), height: z.number().positive() }).strict();

/** A page captured before the update and compared after it. */
export const samplePageSchema = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'a sampled page is an http(s) URL' }),
    /** Text the page must show (like an http monitor's `contains`). */
    contains: z.string().min(1).optional(),
    /** Elements painted over in both screenshots before they are compared: dates, carousels, ads. */
    maskSelectors: z.array(z.string().min(1)).default([]),
    /** Rectangles (CSS pixels from the top left of the page) left out of the comparison. */
    maskRegions: z.array(region).default([]),
  })
  .strict();
export type SamplePage = z.output<typeof samplePageSchema>;

/**
 * How one safe update run of a site goes: where the site lives inside, what to update, which pages
 * prove it still works, how much a page may change, and how to go back.
 *
 * @example
 * { ssh: { host: 'web1', username: 'deploy', privateKeyPath: '/etc/upkeep/key', root: '/var/www/shop' },
 *   pages: [{ url: 'https://shop.example.com/', contains: 'Add to cart' }],
 *   steps: [{ kind: 'wp-cli', target: 'plugin', name: 'akismet' }] }
 */
export const runSpecSchema = z
  .object({
    ssh: sshTargetSchema,
    pages: z.array(samplePageSchema).min(1, 'name at least one page to check before and after').max(20),
    steps: z.array(stepSchema).min(1, 'a run needs at least one update step').max(50),
    /** How to go back when verification fails: the backup taken at the start (default), or a command of the user's. */
    rollback: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('backup') }).strict(),
        z.object({ kind: z.literal('command'), command: z.string().min(1) }).strict(),
      ])
      .default({ kind: 'backup' }),
    /** The site's backup jobs to run first (names under backups.jobs); all of the site's jobs when absent. */
    backupJobs: z.array(z.string().min(1)).optional(),
    visual: z
      .object({
        /** Share of a page's pixels that may differ (after masks) before the page counts as changed. */
        tolerance: z.number().min(0).max(1).default(0.01),
        /** How different two pixels must be to count (pixelmatch's threshold, 0 to 1). */
        pixelThreshold: z.number().min(0).max(1).default(0.1),
      })
      .strict()
      .prefault({}),
    /** How long the maintenance window is opened for; it is closed as soon as the run ends. */
    window: duration({ min: 60_000, max: 24 * 3_600_000 }).prefault('2h'),
    /** Each update step's time limit. */
    stepTimeout: duration({ min: 1_000, max: 6 * 3_600_000 }).prefault('15m'),
    /** Where the `wordpress-plugin` and `wordpress-theme` steps download releases (WordPress.org's download server). */
    wordpressDownloads: z.url({ protocol: /^https?$/ }).default('https://downloads.wordpress.org'),
  })
  .strict();
export type RunSpec = z.output<typeof runSpecSchema>;
export type RunSpecInput = z.input<typeof runSpecSchema>;
