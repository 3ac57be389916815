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

/** Reads a gzipped knowledge file's bytes (`from` names them in errors: a file, or the database's copy). */
export function decodeKnowledge(data: Uint8Array, from: string): Knowledge {
  let raw: unknown;
  try {
    raw = JSON.parse(gunzipSync(data, { maxOutputLength: 256 * 1024 * 1024 }).toString('utf8'));
  } catch (err) {
    throw new AppError('invalid_config', `${from} is not a gzipped Upkeep knowledge file: ${(err as Error).message}`);
  }
  const parsed = knowledgeSchema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_config', `${from} is not an Upkeep knowledge file: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

export const encodeKnowledge = (knowledge: Knowledge): Buffer => gzipSync(JSON.stringify(knowledge), { level: 9 });

export const readKnowledgeFile = (file: string): Knowledge => decodeKnowledge(readFileSync(file), file);

/** Written aside and renamed: a reader sees the old file or the new one, never half of one. */
export function writeKnowledgeFile(file: string, knowledge: Knowledge): number {
  const data = encodeKnowledge(knowledge);
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
 * and the server's refreshed copy (`stored`, from the database) laid over it when there are some
 * (the newest decides release lines and newest versions; each advisory keeps its most recently
 * modified copy), and how old that is.
 */
export function loadKnowledge(
  dataDir?: string,
  now = new Date(),
  shipped = SHIPPED_SNAPSHOT,
  stored?: { from: string; knowledge: Knowledge },
): LoadedKnowledge {
  const refreshedFile = dataDir ? join(dataDir, REFRESHED_FILE) : undefined;
  const copies = [shipped, ...(refreshedFile && existsSync(refreshedFile) ? [refreshedFile] : [])].map((file) => ({ file, k: readKnowledgeFile(file) }));
  if (stored) copies.push({ file: stored.from, k: stored.knowledge });
  copies.sort((a, b) => a.k.builtAt.localeCompare(b.k.builtAt));
  const newest = copies.at(-1)!.k;
  const knowledge = copies.slice(1).reduce((acc, c) => ({ ...applyPatch(acc, c.k), builtAt: c.k.builtAt, sources: c.k.sources }), copies[0]!.k);
  return {
    knowledge,
    files: copies.map((c) => c.file),
    builtAt: newest.builtAt,
    ageDays: ageInDays(newest.builtAt, now),
  };
}

/** Whole days from `iso` to `now` (0 for a date to come). */
export const ageInDays = (iso: string, now: Date): number => Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000));
