import { z } from 'zod';
import type { Latest } from '../snapshot/format.js';
import { fetchJson, trimSlash } from './http.js';
import type { KnowledgePatch, KnowledgeSource } from './types.js';

/**
 * WordPress.org's APIs (https://codex.wordpress.org/WordPress.org_API): core's version check
 * (`/core/version-check/1.7/`, offers newest first), plugin information (`/plugins/info/1.2/`
 * with `action=plugin_information`, which answers a closed plugin with `"error": "closed"`) and
 * theme information (`/themes/info/1.2/`, `action=theme_information`).
 */
const configSchema = z.object({ baseUrl: z.url().default('https://api.wordpress.org') });

export const versionCheckAnswer = z.object({
  offers: z.array(z.object({ response: z.string(), version: z.string(), current: z.string().optional() }).loose()),
});
export const pluginAnswer = z
  .object({
    slug: z.string().optional(),
    version: z.string().optional(),
    last_updated: z.string().optional(),
    error: z.string().optional(),
    closed: z.boolean().optional(),
    closed_date: z.union([z.string(), z.boolean()]).optional(),
    reason: z.string().optional(),
    reason_text: z.string().optional(),
  })
  .loose();
export const themeAnswer = z
  .object({ slug: z.string().optional(), version: z.string().optional(), last_updated: z.string().optional(), error: z.string().optional() })
  .loose();

/** "2024-03-05 4:12pm GMT" (WordPress.org's way) → "2024-03-05". */
const dateOf = (text: string | undefined) => /^\d{4}-\d{2}-\d{2}/.exec(text ?? '')?.[0];

export const wordpressOrgSource: KnowledgeSource<typeof configSchema> = {
  title: 'WordPress.org',
  license: 'public API answers (the plugins and themes are GPL)',
  configSchema,
  refresh: async ({ fetch, config, components }) => {
    const base = trimSlash(config.baseUrl);
    const patch: KnowledgePatch = { latest: {}, closed: {} };
    const latest = patch.latest!;
    const { data: core } = await fetchJson(fetch, `${base}/core/version-check/1.7/`, versionCheckAnswer);
    const newest = core.offers.find((o) => o.response === 'upgrade' || o.response === 'latest') ?? core.offers[0];
    if (newest) latest['wordpress-core'] = { wordpress: { version: newest.current ?? newest.version } };
    for (const c of components) {
      if (c.ecosystem === 'wordpress-plugin') {
        const url = `${base}/plugins/info/1.2/?action=plugin_information&request%5Bslug%5D=${encodeURIComponent(c.name)}`;
        // A closed or unknown plugin is answered with 404 and an error body.
        const { data } = await fetchJson(fetch, url, pluginAnswer, {}, [200, 404]);
        if (data.error === 'closed' || data.closed) {
          patch.closed![c.name] = {
            ...(typeof data.closed_date === 'string' ? { date: data.closed_date } : {}),
            ...(data.reason_text || data.reason ? { reason: data.reason_text ?? data.reason! } : {}),
          };
        } else if (data.version) setLatest(latest, 'wordpress-plugin', c.name, { version: data.version, ...optionalDate(data.last_updated) });
      } else if (c.ecosystem === 'wordpress-theme') {
        const url = `${base}/themes/info/1.2/?action=theme_information&request%5Bslug%5D=${encodeURIComponent(c.name)}`;
        const { data } = await fetchJson(fetch, url, themeAnswer, {}, [200, 404]);
        if (data.version) setLatest(latest, 'wordpress-theme', c.name, { version: data.version, ...optionalDate(data.last_updated) });
      }
    }
    return patch;
  },
};

const optionalDate = (text: string | undefined) => {
  const date = dateOf(text);
  return date ? { date } : {};
};

function setLatest(latest: NonNullable<KnowledgePatch['latest']>, ecosystem: 'wordpress-plugin' | 'wordpress-theme', name: string, value: Latest) {
  (latest[ecosystem] ??= {})[name] = value;
}
