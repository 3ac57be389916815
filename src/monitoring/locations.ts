import { z } from 'zod';

/** The location that means this server's own engine. */
export const LOCAL = 'local';

/** A location's name, as probes and monitors write it: `eu-north`, `us-east-1`. */
export const locationName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a location is lowercase letters, digits and dashes (at most 40), like "eu-north"')
  .describe('a location: "local" (this server) or one declared under locations:');

/** Where a monitor is checked from, and how many of those places must see it down. */
export const locationFields = {
  /** Checked from these locations (probes, or "local" for this server) instead of this server alone. */
  locations: z.array(locationName).min(1).max(16).optional(),
  /** How many locations must see the monitor down (default: a majority, 2 of 3). */
  quorum: z.number().int().min(1).max(16).optional(),
};

/** The quorum a monitor uses: as written, else a majority of its locations. */
export const quorumOf = (spec: { locations?: readonly string[] | undefined; quorum?: number | undefined }): number =>
  spec.quorum ?? Math.floor((spec.locations?.length ?? 1) / 2) + 1;

/** Checks within one monitor: no location twice, a quorum only with locations and never above their number. */
export function checkLocations(m: { locations?: readonly string[] | undefined; quorum?: number | undefined }, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  m.locations?.forEach((l, i) => {
    if (seen.has(l)) ctx.addIssue({ code: 'custom', path: ['locations', i], message: `location "${l}" is named twice` });
    seen.add(l);
  });
  if (m.quorum === undefined) return;
  if (!m.locations) ctx.addIssue({ code: 'custom', path: ['quorum'], message: 'a quorum needs "locations"' });
  else if (m.quorum > m.locations.length)
    ctx.addIssue({ code: 'custom', path: ['quorum'], message: `the quorum (${m.quorum}) is more than the monitor's ${m.locations.length} locations` });
}
