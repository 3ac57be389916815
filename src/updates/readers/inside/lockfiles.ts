import { parseSyml } from '@yarnpkg/parsers';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../../../lib/errors.js';
import type { Observed } from '../../component.js';
import { parseJsonFile } from './parse.js';
import type { FileInput } from './types.js';

/**
 * Dependency lock files: the exact versions installed, which is what advisories are matched on.
 * Composer's composer.lock, npm's package-lock.json (lockfileVersion 1, 2 and 3), Yarn's yarn.lock
 * (classic v1 and Berry, both read by Yarn's own parser) and pnpm's pnpm-lock.yaml (v5 to v9).
 */
const seen = (source: string, at: string) => [{ source, at }];

const composerLock = z.object({
  packages: z.array(z.object({ name: z.string(), version: z.string() }).loose()).default([]),
  'packages-dev': z.array(z.object({ name: z.string(), version: z.string() }).loose()).nullish(),
});

export function readComposerLock(file: FileInput): Observed[] {
  const lock = parseJsonFile(file.path, file.content, composerLock, 'composer.lock');
  return [...lock.packages, ...(lock['packages-dev'] ?? [])]
    .filter((p) => !p.version.startsWith('dev-'))
    .map((p) => ({ name: p.name.toLowerCase(), ecosystem: 'packagist', version: p.version.replace(/^v(?=\d)/, ''), seen: seen('composer-lock', file.path) }));
}

interface V1Dependency {
  version?: string | undefined;
  dependencies?: Record<string, V1Dependency> | undefined;
}
const v1Dependency: z.ZodType<V1Dependency> = z.lazy(() =>
  z.object({ version: z.string().optional(), dependencies: z.record(z.string(), v1Dependency).optional() }).loose(),
);
const packageLock = z.object({
  lockfileVersion: z.number().int().optional(),
  packages: z.record(z.string(), z.object({ version: z.string().optional(), name: z.string().optional(), link: z.boolean().optional() }).loose()).optional(),
  dependencies: z.record(z.string(), v1Dependency).optional(),
});

export function readPackageLock(file: FileInput): Observed[] {
  const lock = parseJsonFile(file.path, file.content, packageLock, 'package-lock.json');
  const out: Observed[] = [];
  const add = (name: string, version: string | undefined) => {
    // Versions that are URLs, git or file references are not registry releases advisories speak of.
    if (version && /^\d/.test(version)) out.push({ name, ecosystem: 'npm', version, seen: seen('package-lock', file.path) });
  };
  if (lock.packages) {
    // v2 and v3: one flat map keyed by install path; "" is the project itself.
    for (const [path, p] of Object.entries(lock.packages)) {
      if (path === '' || p.link || !path.includes('node_modules/')) continue;
      add(p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), p.version);
    }
    return out;
  }
  const walk = (deps: Record<string, V1Dependency>) => {
    for (const [name, d] of Object.entries(deps)) {
      add(name, d.version);
      if (d.dependencies) walk(d.dependencies);
    }
  };
  walk(lock.dependencies ?? {});
  return out;
}

/** `lodash@^4.0.0, lodash@^4.17.0` or Berry's `"lodash@npm:^4.17.21"` → `lodash`. */
const nameOfDescriptor = (descriptor: string) => /^(@?[^@]+)@/.exec(descriptor.split(',')[0]!.trim())?.[1];

export function readYarnLock(file: FileInput): Observed[] {
  let entries: Record<string, unknown>;
  try {
    entries = parseSyml(file.content);
  } catch (err) {
    throw new AppError('invalid_input', `${file.path} is not a yarn.lock: ${(err as Error).message}`);
  }
  const out: Observed[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (key === '__metadata' || typeof value !== 'object' || value === null) continue;
    const entry = value as { version?: unknown; resolution?: unknown };
    // Berry names what was installed in `resolution`; workspaces, links and patches are not registry packages.
    const resolution = typeof entry.resolution === 'string' ? entry.resolution : undefined;
    if (resolution && !/@npm:/.test(resolution)) continue;
    const name = nameOfDescriptor(resolution ?? key);
    const version = typeof entry.version === 'string' ? entry.version : undefined;
    if (name && version && /^\d/.test(version)) out.push({ name, ecosystem: 'npm', version, seen: seen('yarn-lock', file.path) });
  }
  return out;
}

/**
 * pnpm's package keys across lockfile versions: v5 `/name/1.2.3_peer`, v6 `/name@1.2.3(peer)`,
 * v9 `name@1.2.3(peer)`; a scope keeps its leading "@".
 */
export function pnpmKey(key: string): { name: string; version: string } | undefined {
  const v5 = /^\/((?:@[^/]+\/)?[^/@]+)\/(\d[^/_(]*)/.exec(key);
  const later = v5 ? null : /^\/?((?:@[^/]+\/)?[^/@]+)@([^(_]+)/.exec(key);
  const m = v5 ?? later;
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

export function readPnpmLock(file: FileInput): Observed[] {
  let lock: unknown;
  try {
    lock = parseYaml(file.content);
  } catch (err) {
    throw new AppError('invalid_input', `${file.path} is not a pnpm-lock.yaml: ${(err as Error).message}`);
  }
  const packages = (lock as { packages?: unknown } | null)?.packages;
  if (typeof packages !== 'object' || packages === null) {
    if (typeof (lock as { lockfileVersion?: unknown } | null)?.lockfileVersion === 'undefined')
      throw new AppError('invalid_input', `${file.path} is not a pnpm-lock.yaml: it has no lockfileVersion`);
    return [];
  }
  return Object.keys(packages).flatMap((key) => {
    const p = pnpmKey(key);
    return p && /^\d/.test(p.version) ? [{ name: p.name, ecosystem: 'npm' as const, version: p.version, seen: seen('pnpm-lock', file.path) }] : [];
  });
}
