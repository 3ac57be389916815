import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import semver from 'semver';
import { z } from 'zod';
import { AppError } from '../../lib/errors.js';
import { severities } from '../component.js';
import type { AffectedRange } from '../versions/ranges.js';
import type { Advisory, Cycle } from './format.js';

/**
 * Data the snapshot takes from npm packages installed as devDependencies (their versions pinned in
 * package.json): `node-releases` (Node.js's release schedule, and its minor releases with their dates) and
 * `is-my-node-vulnerable` (its `core.json`, the Node.js Security Working Group's list of Node.js
 * core vulnerabilities). Both MIT.
 */

const packageJson = z.object({
  name: z.string(),
  version: z.string(),
  license: z.string().default('see the package'),
  repository: z.union([z.string(), z.object({ url: z.string() }).loose()]).optional(),
});

export interface PackageNote {
  name: string;
  version: string;
  license: string;
  url: string;
}

/** The folder of an installed npm package, found as Node finds it from here. */
export function installedPackageDir(name: string): string {
  try {
    return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
  } catch {
    throw new AppError('invalid_input', `the npm package ${name} is not installed: run npm ci (it is a devDependency)`);
  }
}

function readJson<S extends z.ZodType>(file: string, schema: S, what: string): z.output<S> {
  if (!existsSync(file)) throw new AppError('invalid_input', `${file} is missing: not ${what}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new AppError('invalid_input', `${file} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new AppError('invalid_input', `${file} is not ${what} as expected: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

export function packageNote(dir: string): PackageNote {
  const pkg = readJson(join(dir, 'package.json'), packageJson, 'an npm package');
  const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  return { name: pkg.name, version: pkg.version, license: pkg.license, url: (repo ?? `npm:${pkg.name}`).replace(/^git\+/, '').replace(/\.git$/, '') };
}

const schedule = z.record(z.string(), z.object({ start: z.string(), end: z.string(), lts: z.string().optional() }).loose());
const releases = z.array(z.object({ name: z.string(), version: z.string(), date: z.string() }).loose());

/**
 * `node-releases`: release lines from `data/release-schedule`, each one's newest release from
 * `data/processed/envs.json`, which lists the minor releases (20.15.0, not 20.15.1): a line's
 * `latest` is its newest minor release. `asOf` is the newest release's date.
 */
export function readNodeReleases(dir: string): { cycles: Cycle[]; asOf?: string } {
  const lines = readJson(join(dir, 'data', 'release-schedule', 'release-schedule.json'), schedule, "node-releases' schedule");
  const all = readJson(join(dir, 'data', 'processed', 'envs.json'), releases, "node-releases' releases")
    .filter((r) => r.name === 'nodejs' && semver.valid(r.version) && !semver.prerelease(r.version))
    .map((r) => ({ version: r.version, date: r.date }))
    .sort((a, b) => semver.compare(a.version, b.version));
  const cycles = Object.entries(lines).flatMap(([key, line]): Cycle[] => {
    const cycle = key.replace(/^v/, '');
    const prefix = cycle.split('.');
    const newest = all.filter((r) => prefix.every((p, i) => r.version.split('.')[i] === p)).at(-1);
    // A line not released yet (the schedule names the next ones) has nothing to say about installed versions.
    if (!newest) return [];
    return [{ cycle, releaseDate: line.start, eol: line.end, latest: newest.version, latestReleaseDate: newest.date, lts: line.lts ?? false }];
  });
  cycles.sort((a, b) => (b.releaseDate ?? '').localeCompare(a.releaseDate ?? ''));
  const asOf = all
    .map((r) => r.date)
    .sort()
    .at(-1);
  return { cycles, ...(asOf ? { asOf } : {}) };
}

const coreVulnerabilities = z.record(
  z.string(),
  z
    .object({
      cve: z.array(z.string()).default([]),
      vulnerable: z.string(),
      patched: z.string().optional(),
      ref: z.string().optional(),
      description: z.string().optional(),
      overview: z.string().optional(),
      affectedEnvironments: z.array(z.string()).default(['all']),
      severity: z.string().optional(),
    })
    .loose(),
);

type Interval = Extract<AffectedRange, { type: 'INTERVAL' }>;
type Bound = { v: string | undefined; inclusive: boolean };

/** Orders bounds of the same side; an absent bound is the open end, and at one version an exclusive bound lies inside. */
function compareBounds(x: Bound, y: Bound, side: 'lower' | 'upper'): number {
  const open = side === 'lower' ? -1 : 1;
  if (x.v === undefined || y.v === undefined) return x.v === y.v ? 0 : x.v === undefined ? open : -open;
  const c = semver.compare(x.v, y.v);
  if (c !== 0 || x.inclusive === y.inclusive) return c;
  return x.inclusive ? -open : open;
}

const lower = (i: Interval): Bound => ({ v: i.from, inclusive: i.fromInclusive });
const upper = (i: Interval): Bound => ({ v: i.to, inclusive: i.toInclusive });
const interval = (from: Bound, to: Bound): Interval => ({
  type: 'INTERVAL',
  ...(from.v !== undefined ? { from: from.v } : {}),
  fromInclusive: from.inclusive,
  ...(to.v !== undefined ? { to: to.v } : {}),
  toInclusive: to.inclusive,
});

const isEmpty = (i: Interval) => {
  if (i.from === undefined || i.to === undefined) return false;
  const c = semver.compare(i.from, i.to);
  return c > 0 || (c === 0 && !(i.fromInclusive && i.toInclusive));
};

/** An npm range as intervals, one per `||` part: `20.x` is [20.0.0, 21.0.0-0), `8.5.0` is [8.5.0, 8.5.0]. */
function intervalsOf(range: string): Interval[] {
  return new semver.Range(range).set.map((comparators) => {
    let from: Bound = { v: undefined, inclusive: true };
    let to: Bound = { v: undefined, inclusive: false };
    for (const c of comparators) {
      if (c.value === '') continue; // "*": no bound
      const at = { v: c.semver.version, inclusive: c.operator !== '>' && c.operator !== '<' };
      if (c.operator !== '<' && c.operator !== '<=' && compareBounds(at, from, 'lower') > 0) from = at;
      if (c.operator !== '>' && c.operator !== '>=' && compareBounds(at, to, 'upper') < 0) to = at;
    }
    return interval(from, to);
  });
}

/** `a` without `b`: the part of `a` before `b` starts and the part after `b` ends. */
function subtract(a: Interval, b: Interval): Interval[] {
  const parts: Interval[] = [];
  if (b.from !== undefined) {
    const end = { v: b.from, inclusive: !b.fromInclusive };
    parts.push(interval(lower(a), compareBounds(end, upper(a), 'upper') < 0 ? end : upper(a)));
  }
  if (b.to !== undefined) {
    const start = { v: b.to, inclusive: !b.toInclusive };
    parts.push(interval(compareBounds(start, lower(a), 'lower') > 0 ? start : lower(a), upper(a)));
  }
  return parts.filter((i) => !isEmpty(i));
}

/**
 * The Working Group writes npm ranges ("20.x || 22.x" vulnerable, "^20.15.1 || ^22.4.1" patched);
 * a version is affected when it is in the first and not in the second. Written as Upkeep's
 * intervals, each ending at the version that fixes it, and a line's end ("6.0.0-0", the first
 * pre-release of the next major) read as that major's first release, so 5.x and [6.0.0, 6.11.1)
 * join into one interval fixed by 6.11.1.
 */
export function affectedIntervals(vulnerable: string, patched: string | undefined): Interval[] {
  let affected = intervalsOf(vulnerable);
  for (const p of patched ? intervalsOf(patched) : []) affected = affected.flatMap((a) => subtract(a, p));
  const tidy = affected
    .map((i) => (i.to && /^\d+\.\d+\.\d+-0$/.test(i.to) && !i.toInclusive ? { ...i, to: i.to.slice(0, -2) } : i))
    .sort((a, b) => compareBounds(lower(a), lower(b), 'lower'));
  const joined: Interval[] = [];
  for (const i of tidy) {
    const last = joined.at(-1);
    // Overlapping or touching ([5.0.0, 6.0.0) then [6.0.0, 6.11.1)): one interval, to the later end.
    const touches =
      last &&
      (last.to === undefined ||
        i.from === undefined ||
        semver.compare(i.from, last.to) < 0 ||
        (semver.eq(i.from, last.to) && (i.fromInclusive || last.toInclusive)));
    if (last && touches) {
      if (compareBounds(upper(i), upper(last), 'upper') > 0) joined[joined.length - 1] = interval(lower(last), upper(i));
    } else joined.push(i);
  }
  return joined;
}

/** `is-my-node-vulnerable`'s `core.json` as advisories of the Node.js runtime. */
export function readNodeCoreAdvisories(dir: string): Advisory[] {
  const entries = readJson(join(dir, 'core.json'), coreVulnerabilities, 'the Node.js Security Working Group list');
  const taken = new Set<string>();
  return Object.entries(entries).map(([key, e]): Advisory => {
    const where = e.affectedEnvironments.filter((x) => x !== 'all');
    const text = (e.description ?? e.overview ?? '').split('\n', 1)[0]!.trim();
    // An entry is named by its first CVE; one that repeats an earlier entry's CVE (the list has such a slip) keeps its own number.
    const cve = e.cve[0] && !taken.has(e.cve[0]) ? e.cve[0] : undefined;
    if (cve) taken.add(cve);
    return {
      id: cve ?? `nodejs-security-wg-core-${key}`,
      aliases: cve ? e.cve.slice(1) : e.cve,
      severity: severities.find((s) => s === e.severity) ?? 'unknown',
      summary: `${text}${where.length ? ` (${where.join(', ')} only)` : ''}`.slice(0, 300),
      ...(e.ref ? { url: e.ref } : {}),
      ranges: affectedIntervals(e.vulnerable, e.patched),
    };
  });
}
