import { gatusImporter } from './gatus.js';
import { healthchecksImporter } from './healthchecks.js';
import type { Importer, ImportSource } from './importer.js';
import { kumaImporter } from './kuma/index.js';

/** Every tool Upkeep imports from, one plugin each (docs/import.md). */
export const importers = {
  kuma: kumaImporter,
  healthchecks: healthchecksImporter,
  gatus: gatusImporter,
} satisfies Record<ImportSource, Importer<never>>;
