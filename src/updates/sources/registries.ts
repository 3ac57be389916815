import { z } from 'zod';
import type { Latest } from '../snapshot/format.js';
import { versionSchemes } from '../versions/index.js';
import { fetchJson, trimSlash } from './http.js';
import type { KnowledgePatch, KnowledgeSource, SourceFetch } from './types.js';

/**
 * The package registries' newest releases: npm's packument (`GET /<name>`, `dist-tags.latest` and
 * `time`) and Packagist's metadata (`GET /p2/<vendor>/<package>.json`, releases newest first, in
 * Composer 2's minified form where every entry still has `version` and `time`).
 */
const npmConfig = z.object({ baseUrl: z.url().default('https://registry.npmjs.org') });
const packagistConfig = z.object({ baseUrl: z.url().default('https://repo.packagist.org') });

export const packument = z.object({ 'dist-tags': z.object({ latest: z.string() }).loose(), time: z.record(z.string(), z.string()).optional() }).loose();
export const packagistAnswer = z.object({
  packages: z.record(z.string(), z.array(z.object({ version: z.string(), time: z.string().optional() }).loose())),
});

/** The newest stable release Packagist lists (no dev branches, alphas, betas or RCs). */
export function newestStable(releases: readonly { version: string; time?: string | undefined }[]): Latest | undefined {
  const stable = releases.filter((r) => !/dev|alpha|beta|rc|(^|[-.])(a|b)\d/i.test(r.version));
  const newest = stable.map((r) => r.version).sort((a, b) => versionSchemes.composer.compare(b, a))[0];
  if (!newest) return undefined;
  const time = stable.find((r) => r.version === newest)?.time;
  return { version: newest.replace(/^v(?=\d)/, ''), ...(time ? { date: time.slice(0, 10) } : {}) };
}

/** A registry source: the newest release of each component of its ecosystem, one request per package. */
function registrySource(
  ecosystem: 'npm' | 'packagist',
  title: string,
  configSchema: typeof npmConfig,
  newestOf: (fetch: SourceFetch, baseUrl: string, name: string) => Promise<Latest | undefined>,
): KnowledgeSource<typeof npmConfig> {
  return {
    title,
    license: 'public registry metadata',
    configSchema,
    refresh: async ({ fetch, config, components }) => {
      const latest: Record<string, Latest> = {};
      for (const name of new Set(components.filter((c) => c.ecosystem === ecosystem).map((c) => (ecosystem === 'packagist' ? c.name.toLowerCase() : c.name)))) {
        const newest = await newestOf(fetch, trimSlash(config.baseUrl), name);
        if (newest) latest[name] = newest;
      }
      return { latest: { [ecosystem]: latest } } satisfies KnowledgePatch;
    },
  };
}

export const npmSource = registrySource('npm', 'npm registry', npmConfig, async (fetch, base, name) => {
  // A scoped name keeps its "@" and escapes its "/": /@scope%2fname.
  const { data } = await fetchJson(fetch, `${base}/${name.replace('/', '%2f')}`, packument);
  const version = data['dist-tags'].latest;
  const date = data.time?.[version]?.slice(0, 10);
  return { version, ...(date ? { date } : {}) };
});

export const packagistSource = registrySource('packagist', 'Packagist', packagistConfig, async (fetch, base, name) => {
  const { data } = await fetchJson(fetch, `${base}/p2/${name}.json`, packagistAnswer);
  return newestStable(data.packages[name] ?? []);
});
