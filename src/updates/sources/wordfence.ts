import { z } from 'zod';
import type { Ecosystem, VulnerabilitySeverity } from '../component.js';
import type { Advisory } from '../snapshot/format.js';
import { fetchJson, trimSlash } from './http.js';
import { addAdvisory } from './merge.js';
import type { KnowledgePatch, KnowledgeSource } from './types.js';

/**
 * Wordfence Intelligence's vulnerability data feed for WordPress core, plugins and themes
 * (`GET <base>/vulnerabilities/production`: one object keyed by record id). Free for personal and
 * commercial use, and redistributable with its copyright notice (Wordfence Intelligence Terms and
 * Conditions; see src/updates/data/README.md). Version 3 of the API wants a free account's token.
 */
const configSchema = z.object({
  baseUrl: z.url().default('https://www.wordfence.com/api/intelligence/v3'),
  /** Arrives as a `${ENV}` reference; sent as a bearer token. */
  token: z.string().optional(),
});

const software = z
  .object({
    type: z.string(),
    slug: z.string(),
    affected_versions: z.record(
      z.string(),
      z.object({ from_version: z.string(), from_inclusive: z.boolean(), to_version: z.string(), to_inclusive: z.boolean() }).loose(),
    ),
    patched_versions: z.array(z.string()).nullish(),
  })
  .loose();
export const wordfenceRecord = z
  .object({
    id: z.string(),
    title: z.string(),
    software: z.array(software),
    references: z.array(z.string()).nullish(),
    cve: z.string().nullish(),
    cvss: z.object({ rating: z.string().nullish() }).loose().nullish(),
    updated: z.string().nullish(),
  })
  .loose();
export const wordfenceFeed = z.record(z.string(), wordfenceRecord);

const ECOSYSTEM: Record<string, Ecosystem> = { plugin: 'wordpress-plugin', theme: 'wordpress-theme', core: 'wordpress-core' };
const SEVERITY: Record<string, VulnerabilitySeverity> = { low: 'low', medium: 'medium', high: 'high', critical: 'critical' };

/** Feed records as advisories filed by ecosystem and slug (core is filed as "wordpress"). */
export function advisoriesFromWordfence(feed: z.output<typeof wordfenceFeed>): { ecosystem: Ecosystem; name: string; advisory: Advisory }[] {
  return Object.values(feed).flatMap((r) =>
    r.software.flatMap((s) => {
      const ecosystem = ECOSYSTEM[s.type];
      if (!ecosystem) return [];
      const advisory: Advisory = {
        id: r.id,
        aliases: r.cve ? [r.cve] : [],
        severity: SEVERITY[(r.cvss?.rating ?? '').toLowerCase()] ?? 'unknown',
        summary: r.title.slice(0, 300),
        url: r.references?.[0] ?? `https://www.wordfence.com/threat-intel/vulnerabilities/id/${r.id}`,
        ...(r.updated ? { modified: r.updated } : {}),
        ranges: Object.values(s.affected_versions).map((v) => ({
          type: 'INTERVAL' as const,
          from: v.from_version,
          fromInclusive: v.from_inclusive,
          to: v.to_version,
          toInclusive: v.to_inclusive,
        })),
        ...(s.patched_versions?.length ? { fixed: s.patched_versions } : {}),
      };
      return [{ ecosystem, name: ecosystem === 'wordpress-core' ? 'wordpress' : s.slug, advisory }];
    }),
  );
}

export const wordfenceSource: KnowledgeSource<typeof configSchema> = {
  title: 'Wordfence Intelligence',
  license: 'Wordfence Intelligence Terms and Conditions (redistributable with attribution); CVE records © The MITRE Corporation',
  configSchema,
  refresh: async ({ fetch, config }) => {
    const headers: Record<string, string> = config.token ? { authorization: `Bearer ${config.token}` } : {};
    const { data } = await fetchJson(fetch, `${trimSlash(config.baseUrl)}/vulnerabilities/production`, wordfenceFeed, { headers });
    const patch: KnowledgePatch = { advisories: {} };
    for (const a of advisoriesFromWordfence(data)) addAdvisory(patch, a.ecosystem, a.name, a.advisory);
    return patch;
  },
};
