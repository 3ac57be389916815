import type { HttpResult } from '../lib/net/index.js';
import type { RetireIndex } from '../audits/security/retire.js';
import type { Observed } from './component.js';
import { mergeByTrust, outsideReaders, type OutsideContext, type OutsideReader, type SiteResponse } from './readers/outside/index.js';

/** Fetches one URL of the site; a transport failure is a result (`{ error }`), like AuditNet.tryFetch. */
export type SiteGet = (url: string) => Promise<HttpResult | { error: string }>;

export interface OutsideInventory {
  url: string;
  components: Observed[];
  /** Every URL asked for and its status (or the transport error), so a user sees what was looked at. */
  requests: { url: string; status?: number; error?: string }[];
}

const ROUNDS = 2;
const MAX_REQUESTS = 60;
const PARALLEL = 4;

/**
 * Inventory of a site from outside: the start page, then up to two rounds of the follow-up URLs the
 * readers ask for (CMS files, plugins' readmes, the site's own scripts), each answer read by every
 * reader. At most 60 requests, four at a time.
 *
 * @example const inv = await inventoryOutside('https://example.com/', (u) => net.tryFetch(u), loadRepository());
 */
export async function inventoryOutside(url: string, get: SiteGet, retire: RetireIndex): Promise<OutsideInventory> {
  const ctx: OutsideContext = { base: new URL(url), retire };
  const responses: SiteResponse[] = [];
  const requests: OutsideInventory['requests'] = [];
  const found: { component: Observed; trust: number }[] = [];
  const asked = new Set<string>();

  const fetchAll = async (urls: string[]) => {
    const fresh = urls.filter((u) => !asked.has(u)).slice(0, MAX_REQUESTS - asked.size);
    for (const u of fresh) asked.add(u);
    for (let i = 0; i < fresh.length; i += PARALLEL) {
      const answers = await Promise.all(fresh.slice(i, i + PARALLEL).map(async (u) => ({ u, res: await get(u) })));
      for (const { u, res } of answers) {
        if ('error' in res) {
          requests.push({ url: u, error: res.error });
          continue;
        }
        requests.push({ url: u, status: res.status });
        const answer: SiteResponse = { url: u, status: res.status, headers: res.headers, body: res.body, finalUrl: res.finalUrl };
        responses.push(answer);
        for (const reader of Object.values<OutsideReader>(outsideReaders))
          for (const component of reader.read(answer, ctx)) found.push({ component, trust: reader.trust });
      }
    }
  };

  await fetchAll([ctx.base.href]);
  for (let round = 0; round < ROUNDS; round++) {
    const components = mergeByTrust(found);
    const next = Object.values<OutsideReader>(outsideReaders).flatMap((r) => r.follow?.(components, responses, ctx) ?? []);
    if (next.every((u) => asked.has(u))) break;
    await fetchAll(next);
  }
  return { url: ctx.base.href, components: mergeByTrust(found), requests };
}
