import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import type { Finding, Severity } from '../types.js';

/**
 * Known-vulnerable JavaScript libraries, matched with retire.js's repository (vendored in data/, see
 * its README). The matching is ours: URL and file-name patterns, banner patterns in the content and
 * SHA-1 hashes, then the version compared with each advisory's range.
 */

const vulnerability = z.object({
  below: z.string(),
  atOrAbove: z.string().optional(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  identifiers: z.object({ summary: z.string().optional(), CVE: z.array(z.string()).optional(), githubID: z.string().optional() }).loose(),
  info: z.array(z.string()).default([]),
});
const library = z.object({
  vulnerabilities: z.array(vulnerability).default([]),
  extractors: z
    .object({
      uri: z.array(z.string()).optional(),
      filename: z.array(z.string()).optional(),
      filecontent: z.array(z.string()).optional(),
      hashes: z.record(z.string(), z.string()).optional(),
    })
    .loose(),
});
export const repositorySchema = z.record(z.string(), library);
export type RetireRepository = z.output<typeof repositorySchema>;

// Resolves from src/audits/security and from dist/audits/security alike: the data stays in src.
const VENDORED = fileURLToPath(new URL('../../../src/audits/security/data/retirejs-vulns.json', import.meta.url));
export const UPDATED_FILE = 'retirejs-vulns.json';
const VERSION = '[0-9][0-9.a-z_\\-]+';

/** The repository compiled for matching, and the file it came from. */
export interface RetireIndex {
  libraries: Compiled[];
  source: string;
}

interface Compiled {
  name: string;
  uri: RegExp[];
  filename: RegExp[];
  filecontent: RegExp[];
  hashes: Record<string, string>;
  vulnerabilities: RetireRepository[string]['vulnerabilities'];
}

const compile = (patterns: string[] | undefined): RegExp[] =>
  (patterns ?? []).flatMap((p) => {
    try {
      return [new RegExp(p.replaceAll('§§version§§', VERSION))];
    } catch {
      // A pattern in a syntax JavaScript does not accept is skipped rather than failing every audit.
      return [];
    }
  });

/** Loads the repository: an updated copy in the data directory when there is one, else the vendored one. */
export function loadRepository(dataDir?: string): RetireIndex {
  const updated = dataDir ? join(dataDir, UPDATED_FILE) : undefined;
  const file = updated && existsSync(updated) ? updated : VENDORED;
  const parsed = repositorySchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new AppError('invalid_config', `${file} is not a retire.js vulnerability repository: ${parsed.error.issues[0]?.message ?? ''}`);
  const libraries = Object.entries(parsed.data)
    .filter(([name]) => name !== 'retire-example')
    .map(([name, lib]) => ({
      name,
      uri: compile(lib.extractors.uri),
      filename: compile(lib.extractors.filename),
      filecontent: compile(lib.extractors.filecontent),
      hashes: lib.extractors.hashes ?? {},
      vulnerabilities: lib.vulnerabilities,
    }));
  return { libraries, source: file };
}

/** Compares versions the way release numbers read: "1.9.0b1" < "1.9.0" < "1.10.0"; a letter part sorts before a number. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.toLowerCase().match(/\d+|[a-z]+/g) ?? [];
  const pa = parts(a);
  const pb = parts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return /^\d/.test(y!) ? -1 : 1;
    if (y === undefined) return /^\d/.test(x) ? 1 : -1;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export interface DetectedLibrary {
  name: string;
  version: string;
  url: string;
}

/** Finds libraries in one script: by its URL first (cheap), then by its content when given. */
export function detect(repo: RetireIndex, url: string, content?: Buffer): DetectedLibrary[] {
  const found = new Map<string, DetectedLibrary>();
  const fileName = url.split(/[?#]/, 1)[0]!.split('/').at(-1) ?? '';
  const text = content?.subarray(0, 512 * 1024).toString('utf8');
  const sha1 = content ? createHash('sha1').update(content).digest('hex') : undefined;
  for (const lib of repo.libraries) {
    const version =
      firstMatch(lib.uri, url) ??
      firstMatch(lib.filename, fileName) ??
      (text === undefined ? undefined : firstMatch(lib.filecontent, text)) ??
      (sha1 ? lib.hashes[sha1] : undefined);
    if (version) found.set(lib.name, { name: lib.name, version, url });
  }
  return [...found.values()];
}

function firstMatch(patterns: RegExp[], subject: string): string | undefined {
  for (const re of patterns) {
    const m = re.exec(subject);
    const version = m?.slice(1).find((g) => g !== undefined && /^\d/.test(g));
    // The greedy version pattern also takes a file-name suffix ("1.8.3.min" from jquery-1.8.3.min.js).
    if (version) return version.replace(/([.-](min|slim|prod|production|pack|packed|umd|js))+$/i, '').replace(/[.-]+$/, '');
  }
  return undefined;
}

const SEVERITY_RANK: Severity[] = ['low', 'medium', 'high', 'critical'];

export type RetireAdvisory = RetireRepository[string]['vulnerabilities'][number];

/** The repository's advisories whose range holds this version of the library. */
export function advisoriesFor(repo: RetireIndex, name: string, version: string): RetireAdvisory[] {
  const lib = repo.libraries.find((l) => l.name === name);
  return (lib?.vulnerabilities ?? []).filter(
    (v) => compareVersions(version, v.below) < 0 && (v.atOrAbove === undefined || compareVersions(version, v.atOrAbove) >= 0),
  );
}

/** A finding per detected library that has advisories for its version. */
export function vulnerableLibraries(repo: RetireIndex, detected: readonly DetectedLibrary[]): Finding[] {
  const findings: Finding[] = [];
  for (const d of detected) {
    const hits = advisoriesFor(repo, d.name, d.version);
    if (hits.length === 0) continue;
    const worst = hits.reduce((w, v) => (SEVERITY_RANK.indexOf(v.severity) > SEVERITY_RANK.indexOf(w) ? v.severity : w), 'low' as Severity);
    const upgradeTo = hits.map((v) => v.below).reduce((max, v) => (compareVersions(v, max) > 0 ? v : max));
    const advisories = hits
      .slice(0, 8)
      .map((v) =>
        `${v.identifiers.CVE?.join('/') ?? v.identifiers.githubID ?? 'advisory'}: ${(v.identifiers.summary ?? '').split('\n', 1)[0]!.slice(0, 140)}`.trim(),
      )
      .join('; ');
    findings.push({
      id: `security.vulnerable-js:${d.name}@${d.version}`,
      category: 'security',
      severity: worst,
      title: `${d.name} ${d.version} has ${hits.length} known vulnerabilit${hits.length === 1 ? 'y' : 'ies'}`,
      evidence: `${d.url} — ${advisories}${hits.length > 8 ? ` and ${hits.length - 8} more` : ''}`,
      fix: `Upgrade ${d.name} to ${upgradeTo} or later (the newest release is best), or remove it if the site no longer needs it.`,
    });
  }
  return findings;
}
