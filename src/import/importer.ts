import type { ImportDraft } from './draft.js';

export const importSources = ['kuma', 'healthchecks', 'gatus'] as const;
export type ImportSource = (typeof importSources)[number];

/** Options every source takes: the site that monitors without a group of their own go to. */
export interface CommonImportOptions {
  site?: string;
  /** The environment, for sources that refer to it (Gatus's `${VAR}`). */
  env?: NodeJS.ProcessEnv;
}

/** What a source gave: how to name it in the report, and the config built from it. */
export interface SourceResult {
  describe: string;
  draft: ImportDraft;
}

/**
 * One tool Upkeep imports from: reads `input` (a file, or an API's address) and builds the draft.
 *
 * @example const { draft } = await importers.kuma.read('kuma.db', {})
 */
export interface Importer<O extends CommonImportOptions = CommonImportOptions> {
  source: ImportSource;
  describe: string;
  read(input: string, options: O): Promise<SourceResult>;
}
