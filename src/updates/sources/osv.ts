import { z } from 'zod';
import type { Observed } from '../component.js';
import { fetchJson, trimSlash } from './http.js';
import { addAdvisory } from './merge.js';
import type { Advisory } from '../snapshot/format.js';
import { advisoriesFromOsv, advisoryKey, osvPackageOf, osvRecordSchema, type OsvRecord } from './osv-records.js';
import type { KnowledgePatch, KnowledgeSource, SourceFetch } from './types.js';

/**
 * OSV (https://google.github.io/osv.dev/api/): `POST /v1/querybatch` names the advisories of each
 * package version (ids only), `GET /v1/vulns/<id>` gives each one whole. Covers npm, Packagist,
 * PyPI, Debian, Ubuntu and Alpine packages, and Drupal core (Packagist drupal/core).
 */
const configSchema = z.object({ baseUrl: z.url().default('https://api.osv.dev') });

const BATCH = 1000;
const PARALLEL = 8;

export const querybatchAnswer = z.object({
  results: z.array(z.object({ vulns: z.array(z.object({ id: z.string(), modified: z.string().optional() })).optional() }).loose()),
});

/** Which advisory ids OSV lists for each component (in the components' order); components OSV does not cover get none. */
export async function queryBatch(fetch: SourceFetch, baseUrl: string, components: readonly Observed[]): Promise<string[][]> {
  const asked = components.map((c) => ({ c, pkg: osvPackageOf(c) })).filter((q) => q.pkg && q.c.version);
  const ids = new Map<Observed, string[]>();
  for (let i = 0; i < asked.length; i += BATCH) {
    const chunk = asked.slice(i, i + BATCH);
    const body = JSON.stringify({ queries: chunk.map((q) => ({ package: q.pkg, version: q.c.version })) });
    const { data } = await fetchJson(fetch, `${trimSlash(baseUrl)}/v1/querybatch`, querybatchAnswer, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    chunk.forEach((q, j) =>
      ids.set(
        q.c,
        (data.results[j]?.vulns ?? []).map((v) => v.id),
      ),
    );
  }
  return components.map((c) => ids.get(c) ?? []);
}

export const osvSource: KnowledgeSource<typeof configSchema> = {
  title: 'OSV',
  license: 'each record under its own source licence (GitHub Advisory Database: CC-BY 4.0; PyPA: CC-BY 4.0; Debian, Alpine: public)',
  configSchema,
  refresh: async ({ fetch, config, components }) => {
    const perComponent = await queryBatch(fetch, config.baseUrl, components);
    const ids = [...new Set(perComponent.flat())];
    const records = new Map<string, OsvRecord>();
    for (let i = 0; i < ids.length; i += PARALLEL) {
      const batch = ids.slice(i, i + PARALLEL);
      const answers = await Promise.all(
        batch.map(async (id) => (await fetchJson(fetch, `${trimSlash(config.baseUrl)}/v1/vulns/${encodeURIComponent(id)}`, osvRecordSchema)).data),
      );
      answers.forEach((r, j) => records.set(batch[j]!, r));
    }
    const patch: KnowledgePatch = { advisories: {} };
    for (const record of records.values()) for (const a of advisoriesFromOsv(record)) addAdvisory(patch, a.ecosystem, a.name, a.advisory);
    // OSV matched these versions itself: its answer stands even where a record's ranges are of a kind we cannot order.
    components.forEach((c, i) => {
      const key = advisoryKey(c);
      for (const id of perComponent[i] ?? []) {
        const filed = patch.advisories?.[key.ecosystem]?.[key.name]?.find((a) => a.id === id);
        const advisory = filed ?? { ...(advisoriesFromOsv(records.get(id)!)[0]?.advisory ?? summaryOf(records.get(id)!)), ranges: [] };
        advisory.versions = [...new Set([...(advisory.versions ?? []), c.version!])];
        if (!filed) addAdvisory(patch, key.ecosystem, key.name, advisory);
      }
    });
    return patch;
  },
};

/** An advisory with no package of ours in it (OSV listed it for a name we file differently). */
const summaryOf = (r: OsvRecord): Advisory => ({
  id: r.id,
  aliases: r.aliases ?? [],
  severity: 'unknown',
  summary: (r.summary ?? r.details ?? '').split('\n', 1)[0]!.slice(0, 300),
  url: `https://osv.dev/vulnerability/${r.id}`,
  ranges: [],
});
