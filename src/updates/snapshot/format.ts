import { z } from 'zod';
import { ecosystems, severities } from '../component.js';
import { affectedRangeSchema } from '../versions/ranges.js';

/**
 * What Upkeep knows about software, offline: the shipped snapshot (src/updates/data, built by
 * `npm run updates:snapshot`) and the refreshed copy in the data directory have this one shape.
 * Advisories keep OSV's affected ranges, so the snapshot and a live OSV answer match the same way.
 */
export const advisorySchema = z.object({
  id: z.string(),
  aliases: z.array(z.string()).default([]),
  severity: z.enum(severities).default('unknown'),
  summary: z.string().default(''),
  url: z.string().optional(),
  /** When the advisory last changed: the newer copy of one advisory wins when two sources meet. */
  modified: z.string().optional(),
  ranges: z.array(affectedRangeSchema).default([]),
  versions: z.array(z.string()).optional(),
  /** Fixed versions the source names outright (Wordfence's `patched_versions`), when ranges do not end in one. */
  fixed: z.array(z.string()).optional(),
});
export type Advisory = z.output<typeof advisorySchema>;

/** One release line of a product, as endoflife.date describes it. `eol` is a date, or true/false when it has none. */
export const cycleSchema = z.object({
  cycle: z.string(),
  releaseDate: z.string().optional(),
  eol: z.union([z.string(), z.boolean()]).default(false),
  latest: z.string().optional(),
  latestReleaseDate: z.string().optional(),
  lts: z.union([z.string(), z.boolean()]).optional(),
});
export type Cycle = z.output<typeof cycleSchema>;

export const latestSchema = z.object({ version: z.string(), date: z.string().optional() });
export type Latest = z.output<typeof latestSchema>;

export const sourceNoteSchema = z.object({
  name: z.string(),
  license: z.string(),
  url: z.string(),
  /** The newest date seen in that source's data: how current it is. */
  asOf: z.string().optional(),
});

const ecosystemKey = z.enum(ecosystems);

export const knowledgeSchema = z.object({
  format: z.literal(1),
  builtAt: z.string(),
  sources: z.array(sourceNoteSchema).default([]),
  /** endoflife.date product → release lines, newest first. */
  eol: z.record(z.string(), z.array(cycleSchema)).default({}),
  /** Ecosystem → package (the name advisories use) → advisories. */
  advisories: z.partialRecord(ecosystemKey, z.record(z.string(), z.array(advisorySchema))).default({}),
  /** Ecosystem → package → newest release, from the registries. */
  latest: z.partialRecord(ecosystemKey, z.record(z.string(), latestSchema)).default({}),
  /** WordPress.org plugins closed for download, by slug: no more updates will come. */
  closed: z.record(z.string(), z.object({ date: z.string().optional(), reason: z.string().optional() })).default({}),
});
export type Knowledge = z.output<typeof knowledgeSchema>;

export const emptyKnowledge = (builtAt: string): Knowledge => ({ format: 1, builtAt, sources: [], eol: {}, advisories: {}, latest: {}, closed: {} });
