import type { HttpResult } from '../../../lib/net/index.js';
import type { RetireIndex } from '../../../audits/security/retire.js';
import type { Observed } from '../../component.js';

/** One answer of the site, as the guarded client gives it. */
export type SiteResponse = Pick<HttpResult, 'status' | 'headers' | 'body' | 'finalUrl'> & { url: string };

export interface OutsideContext {
  /** The URL the inventory started from: follow-up paths are resolved against it. */
  base: URL;
  retire: RetireIndex;
}

/**
 * A reader of what a site shows from outside. `read` looks at every answer and keeps to the ones
 * it understands; `follow` names the further URLs worth asking for once the first answers are in
 * (a plugin's readme.txt once the plugin is seen). `trust` settles disagreements: when two readers
 * give one component different versions, the more trusted one wins (a readme's Stable tag over a
 * `?ver=` query string, which plugins often fill with something else).
 */
export interface OutsideReader {
  trust: number;
  read(res: SiteResponse, ctx: OutsideContext): Observed[];
  follow?(found: readonly Observed[], responses: readonly SiteResponse[], ctx: OutsideContext): string[];
}
