import { describeError } from '../../lib/errors.js';
import type { Observed } from '../component.js';
import { knowledgeSources, type SourceFetch, type SourceKind } from '../sources/index.js';
import { shownUrl } from '../sources/http.js';
import { applyPatch } from '../sources/merge.js';
import type { KnowledgeSource } from '../sources/types.js';
import type { Knowledge } from './format.js';

export interface RefreshResult {
  kind: SourceKind;
  ok: boolean;
  message: string;
}

/** Per source: `false` leaves it out, an object is its config (base URL, token); absent means its defaults. */
export type SourceSettings = { [K in SourceKind]?: false | Record<string, unknown> | undefined };

/**
 * Asks every enabled source for what it knows about `components` and lays the answers over the
 * knowledge, keeping the newer data. A source that cannot be reached or answers nonsense is a
 * result (`ok: false` with the reason) and changes nothing, so an offline Upkeep keeps its snapshot.
 */
export async function refreshKnowledge(opts: {
  knowledge: Knowledge;
  fetch: SourceFetch;
  components: readonly Observed[];
  sources?: SourceSettings;
  now?: Date;
}): Promise<{ knowledge: Knowledge; results: RefreshResult[] }> {
  let knowledge = opts.knowledge;
  const results: RefreshResult[] = [];
  for (const [kind, source] of Object.entries(knowledgeSources) as [SourceKind, KnowledgeSource][]) {
    const setting = opts.sources?.[kind];
    if (setting === false) continue;
    const config = source.configSchema.safeParse(setting ?? {});
    if (!config.success) {
      results.push({ kind, ok: false, message: `invalid settings: ${config.error.issues[0]?.message ?? ''}` });
      continue;
    }
    try {
      const patch = await source.refresh({ fetch: opts.fetch, config: config.data, components: opts.components });
      knowledge = applyPatch(knowledge, patch);
      const asOf = (opts.now ?? new Date()).toISOString();
      knowledge.sources = [
        ...knowledge.sources.filter((s) => s.name !== source.title),
        { name: source.title, license: source.license, url: baseUrlOf(config.data) ?? kind, asOf },
      ];
      results.push({ kind, ok: true, message: 'refreshed' });
    } catch (err) {
      results.push({ kind, ok: false, message: describeError(err) });
    }
  }
  if (results.some((r) => r.ok)) knowledge = { ...knowledge, builtAt: (opts.now ?? new Date()).toISOString() };
  return { knowledge, results };
}

const baseUrlOf = (config: unknown): string | undefined => {
  const url = (config as { baseUrl?: unknown } | null)?.baseUrl;
  return typeof url === 'string' ? shownUrl(url) : undefined;
};
