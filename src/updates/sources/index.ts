import { endoflifeSource } from './endoflife.js';
import { osvSource } from './osv.js';
import { npmSource, packagistSource } from './registries.js';
import type { KnowledgeSource } from './types.js';
import { wordfenceSource } from './wordfence.js';
import { wordpressOrgSource } from './wordpress-org.js';

export type { KnowledgePatch, KnowledgeSource, RefreshContext, SourceFetch } from './types.js';

export type SourceKind = 'endoflife' | 'osv' | 'wordpress-org' | 'wordfence' | 'npm' | 'packagist';

/** Every knowledge source, by kind: a kind without a source does not compile. */
export const knowledgeSources = {
  endoflife: endoflifeSource,
  osv: osvSource,
  'wordpress-org': wordpressOrgSource,
  wordfence: wordfenceSource,
  npm: npmSource,
  packagist: packagistSource,
} satisfies Record<SourceKind, KnowledgeSource>;
