import type { z } from 'zod';
import type { Observed } from '../component.js';
import type { Knowledge } from '../snapshot/format.js';

/**
 * The fetch a knowledge source is given: WHATWG-shaped, so the guarded client's `guardedFetch`
 * serves in production and a test points the base URL at a loopback server.
 */
export type SourceFetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response>;

export interface RefreshContext<C> {
  fetch: SourceFetch;
  config: C;
  /** What the refresh is for: sources that answer per package ask only about these. */
  components: readonly Observed[];
}

/** What one source adds to the knowledge; the refresher merges it and keeps the newer data. */
export type KnowledgePatch = Partial<Pick<Knowledge, 'eol' | 'advisories' | 'latest' | 'closed'>>;

/**
 * A knowledge source: its zod config (a configurable base URL at least) and `refresh`, which asks
 * the live service and returns what it learned. A source that cannot be reached throws; the
 * refresher turns that into a result and keeps what it had.
 */
export interface KnowledgeSource<S extends z.ZodType = z.ZodType> {
  title: string;
  /** The terms the data comes under, for docs and the snapshot's notes. */
  license: string;
  configSchema: S;
  refresh(ctx: RefreshContext<z.output<S>>): Promise<KnowledgePatch>;
}
