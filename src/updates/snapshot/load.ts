import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { AppError } from '../../lib/errors.js';
import { applyPatch } from '../sources/merge.js';
import { knowledgeSchema, type Knowledge } from './format.js';

// Resolves from src/updates/snapshot and from dist/updates/snapshot alike: the data stays in src.
export const SHIPPED_SNAPSHOT = fileURLToPath(new URL('../../../src/updates/data/snapshot.json.gz', import.meta.url));
/** The refreshed copy, kept in Upkeep's data directory. */
export const REFRESHED_FILE = 'updates-knowledge.json.gz';

export interface LoadedKnowledge {
  knowledge: Knowledge;
  /** The files it came from: the shipped snapshot, and the refreshed copy when there is one. */
  files: string[];
  /** How old the data is: when it was built or last refreshed, in whole days before `now`. */
  builtAt: string;
  ageDays: number;
}

export function readKnowledgeFile(file: string): Knowledge {
  let raw: unknown;
  try {
    raw = JSON.parse(gunzipSync(readFileSync(file), { maxOutputLength: 256 * 1024 * 1024 }).toString('utf8'));
  } catch (err) {
    throw new AppError('invalid_config', `${file} is not a gzipped Upkeep knowledge file: ${(err as Error).message}`);
  }
  const parsed = knowledgeSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_config', `${file} is not an Upkeep knowledge file: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** Written aside and renamed: a reader sees the old file or the new one, never half of one. */
export function writeKnowledgeFile(file: string, knowledge: Knowledge): number {
  const data = gzipSync(JSON.stringify(knowledge), { level: 9 });
  writeFileSync(`${file}.tmp`, data);
  renameSync(`${file}.tmp`, file);
  return data.length;
}

export function saveRefreshed(dataDir: string, knowledge: Knowledge): string {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, REFRESHED_FILE);
  writeKnowledgeFile(file, knowledge);
  return file;
}

/**
 * The knowledge Upkeep works from: the shipped snapshot, with the refreshed copy from `dataDir`
 * laid over it when there is one (the newer of the two decides release lines and newest versions;
 * each advisory keeps its most recently modified copy), and how old that is.
 */
export function loadKnowledge(dataDir?: string, now = new Date(), shipped = SHIPPED_SNAPSHOT): LoadedKnowledge {
  const refreshedFile = dataDir ? join(dataDir, REFRESHED_FILE) : undefined;
  const copies = [shipped, ...(refreshedFile && existsSync(refreshedFile) ? [refreshedFile] : [])].map((file) => ({ file, k: readKnowledgeFile(file) }));
  copies.sort((a, b) => a.k.builtAt.localeCompare(b.k.builtAt));
  const newest = copies.at(-1)!.k;
  const knowledge = copies.slice(1).reduce((acc, c) => ({ ...applyPatch(acc, c.k), builtAt: c.k.builtAt, sources: c.k.sources }), copies[0]!.k);
  return {
    knowledge,
    files: copies.map((c) => c.file),
    builtAt: newest.builtAt,
    ageDays: Math.max(0, Math.floor((now.getTime() - Date.parse(newest.builtAt)) / 86_400_000)),
  };
}
