import type { ImportDraft } from './draft.js';

export const importSources = ['kuma', 'healthchecks', 'gatus'] as const;
export type ImportSource = (typeof importSources)[number];

/** Each source in words; kept apart from the importers so `upkeep import --help` loads none of them. */
export const sourceDescriptions: Record<ImportSource, string> = {
  kuma: 'Uptime Kuma: its SQLite database (kuma.db, 1.23 and 2.0) or its JSON backup export',
  healthchecks: "Healthchecks.io or a self-hosted Healthchecks, through its API (a project's API key)",
  gatus: 'Gatus: its config.yaml (endpoints, external endpoints, alerting)',
};

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
