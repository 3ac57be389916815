import type { Kysely } from 'kysely';
import { Document } from 'yaml';
import { z } from 'zod';
import type { Database } from '../db/types.js';
import { canonicalJson } from '../lib/json.js';
import { splitSecrets } from '../lib/secrets.js';
import type { Config } from './schema.js';
import type { SectionStore } from './section.js';

export interface ExportResult {
  yaml: string;
  /** Environment variables the exported file refers to for secrets that were not written into it. */
  secretVariables: { name: string; holds: string }[];
}

/** Drops every field whose absence parses to the same value: the file shows what was chosen, not the defaults. */
export function withoutDefaults(schema: z.ZodType, written: Record<string, unknown>): Record<string, unknown> {
  const target = canonicalJson(schema.parse(written));
  const out = structuredClone(written);
  const tryDrop = (node: Record<string, unknown>) => {
    for (const key of Object.keys(node)) {
      const value = node[key];
      delete node[key];
      const parsed = schema.safeParse(out);
      if (parsed.success && canonicalJson(parsed.data) === target) continue;
      node[key] = value;
      if (value && typeof value === 'object' && !Array.isArray(value)) tryDrop(value as Record<string, unknown>);
    }
  };
  tryDrop(out);
  return out;
}

function setAt(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (!node[key] || typeof node[key] !== 'object') return;
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1)!] = value;
}

/** The variable a secret is referred to by in a written config: `UPKEEP_SECRET_<OWNER>_<PATH>`. */
export const variableName = (...parts: string[]) =>
  `UPKEEP_SECRET_${parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}`;

const isSection = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Writes the database back out as upkeep.yaml, so objects made in the API are never trapped: each
 * store the features register writes its keys, in order. Values that came from `${VAR}` are written
 * as `${VAR}` again; other secrets become `${UPKEEP_SECRET_…}` references (listed in the result)
 * unless `includeSecrets` asks for them in clear.
 */
export async function exportConfig(db: Kysely<Database>, stores: readonly SectionStore<Config>[], options: { includeSecrets: boolean }): Promise<ExportResult> {
  const secretVariables: ExportResult['secretVariables'] = [];
  const prepare = (
    schema: z.ZodType,
    spec: object,
    envRefs: Record<string, string>,
    isSecret: (path: readonly string[]) => boolean,
    owner: string[],
  ): Record<string, unknown> => {
    const written = withoutDefaults(schema, z.encode(schema, spec) as Record<string, unknown>);
    for (const [path, template] of Object.entries(envRefs)) setAt(written, path, template);
    if (!options.includeSecrets) {
      const { secrets } = splitSecrets(written, isSecret);
      for (const [path, value] of Object.entries(secrets)) {
        if (/\$\{[A-Za-z_]/.test(value)) continue;
        const name = variableName(...owner, path);
        secretVariables.push({ name, holds: `${path} of ${owner.join('/')}` });
        setAt(written, path, `\${${name}}`);
      }
    }
    return written;
  };
  const derived = new Set<string>();
  for (const store of stores) for (const key of (await store.derived?.(db)) ?? []) derived.add(key);
  const body: Record<string, unknown> = {};
  for (const store of stores)
    for (const [key, value] of Object.entries((await store.export?.({ db, prepare, isDerived: (key) => derived.has(key) })) ?? {}))
      // Two stores may write parts of one section (`updates.policies` and `updates.sites`).
      body[key] = isSection(body[key]) && isSection(value) ? { ...body[key], ...value } : value;
  const doc = new Document(body);
  doc.commentBefore = ' Exported by `upkeep export`. Apply with `upkeep apply --config <this file>`.';
  return { yaml: doc.toString({ lineWidth: 0 }), secretVariables };
}
