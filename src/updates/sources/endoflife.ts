import { z } from 'zod';
import { EOL_PRODUCTS, eolProductOf } from '../eol.js';
import type { Cycle } from '../snapshot/format.js';
import { fetchJson, trimSlash } from './http.js';
import type { KnowledgeSource } from './types.js';

/**
 * endoflife.date's API: `GET /api/<product>.json` answers the product's release cycles, newest
 * first: `{ cycle, releaseDate, eol, latest, latestReleaseDate, lts, … }`, where `eol` and `lts`
 * are a date or a boolean. Data under the MIT licence.
 */
const configSchema = z.object({ baseUrl: z.url().default('https://endoflife.date') });

const cycleAnswer = z
  .object({
    cycle: z.union([z.string(), z.number()]),
    releaseDate: z.string().optional(),
    eol: z.union([z.string(), z.boolean()]).optional(),
    latest: z.union([z.string(), z.number()]).optional(),
    latestReleaseDate: z.string().optional(),
    lts: z.union([z.string(), z.boolean()]).optional(),
  })
  .loose();
export const productAnswer = z.array(cycleAnswer);

export function cyclesFromAnswer(answer: z.output<typeof productAnswer>): Cycle[] {
  return answer.map((c) => ({
    cycle: String(c.cycle),
    eol: c.eol ?? false,
    ...(c.releaseDate ? { releaseDate: c.releaseDate } : {}),
    ...(c.latest !== undefined ? { latest: String(c.latest) } : {}),
    ...(c.latestReleaseDate ? { latestReleaseDate: c.latestReleaseDate } : {}),
    ...(c.lts !== undefined ? { lts: c.lts } : {}),
  }));
}

export const endoflifeSource: KnowledgeSource<typeof configSchema> = {
  title: 'endoflife.date',
  license: 'MIT',
  configSchema,
  refresh: async ({ fetch, config, components }) => {
    const wanted = components.length ? [...new Set(components.map(eolProductOf).filter((p): p is string => p !== undefined))] : [...EOL_PRODUCTS];
    const eol: Record<string, Cycle[]> = {};
    for (const product of wanted) {
      const { data } = await fetchJson(fetch, `${trimSlash(config.baseUrl)}/api/${encodeURIComponent(product)}.json`, productAnswer);
      eol[product] = cyclesFromAnswer(data);
    }
    return { eol };
  },
};
