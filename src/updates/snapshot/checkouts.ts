import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../lib/errors.js';
import { EOL_PRODUCTS } from '../eol.js';
import { cyclesFromAnswer, productAnswer } from '../sources/endoflife.js';
import { addAdvisory } from '../sources/merge.js';
import { advisoriesFromOsv, osvRecordSchema } from '../sources/osv-records.js';
import { advisoriesFromWordfence, wordfenceFeed } from '../sources/wordfence.js';
import type { Knowledge } from './format.js';

/**
 * A user's own build (`--from <dir>`): local copies of public data they obtained themselves, laid
 * over what the packages give. Any of:
 *
 *   <dir>/endoflife.date/products/*.md        endoflife.date's repository (release lines in front matter; MIT)
 *   <dir>/advisory-database/advisories/github-reviewed/**.json
 *                                             the GitHub Advisory Database (OSV JSON; CC-BY 4.0), npm, Packagist, PyPI kept
 *   <dir>/osv/**.json                         any other OSV records (an OSV export of Debian or Alpine, PyPA's)
 *   <dir>/wordfence/*.json                    Wordfence Intelligence's production feed (redistributable with attribution)
 *
 * Only what Upkeep matches on is kept (ids, aliases, severity, a one-line summary, a link and the
 * affected ranges).
 */
const KEPT_ECOSYSTEMS = new Set(['npm', 'packagist', 'pypi', 'wordpress-core', 'wordpress-plugin', 'wordpress-theme', 'debian', 'alpine']);

const LAYOUT = ['endoflife.date/products', 'advisory-database/advisories/github-reviewed', 'osv', 'wordfence'];

function* jsonFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsonFiles(path);
    else if (entry.name.endsWith('.json')) yield path;
  }
}

export const newest = (dates: (string | undefined)[]) =>
  dates
    .filter((d): d is string => Boolean(d))
    .sort()
    .at(-1);

const optional = <K extends string>(key: K, value: string | undefined) => (value ? ({ [key]: value } as Record<K, string>) : {});

/** A product's release lines from its markdown file's YAML front matter (`releases:` with `releaseCycle`). */
function productCycles(file: string) {
  const text = readFileSync(file, 'utf8');
  const front = /^---\n([\s\S]*?)\n---/.exec(text)?.[1];
  if (!front) throw new AppError('invalid_input', `${file} has no front matter`);
  const releases = ((parseYaml(front) as { releases?: Record<string, unknown>[] }).releases ?? []).map((r) => ({ ...r, cycle: r.releaseCycle }));
  const parsed = productAnswer.safeParse(
    releases.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString().slice(0, 10) : v]))),
  );
  if (!parsed.success) throw new AppError('invalid_input', `${file}: releases are not as expected: ${parsed.error.issues[0]?.message ?? ''}`);
  return cyclesFromAnswer(parsed.data);
}

function readEndoflife(dir: string, knowledge: Knowledge, counts: Record<string, number>) {
  let products = 0;
  const dates: (string | undefined)[] = [];
  for (const product of EOL_PRODUCTS) {
    const file = join(dir, `${product}.md`);
    if (!existsSync(file)) continue;
    // endoflife.date follows more releases than the packages: its product replaces theirs whole.
    knowledge.eol[product] = productCycles(file);
    dates.push(...knowledge.eol[product].flatMap((c) => [c.releaseDate, c.latestReleaseDate]));
    products++;
  }
  counts['endoflife.date products'] = products;
  knowledge.sources.push({
    name: 'endoflife.date',
    license: 'MIT',
    url: 'https://github.com/endoflife-date/endoflife.date',
    ...optional('asOf', newest(dates)),
  });
}

function readOsvRecords(dir: string, name: string, license: string, url: string, knowledge: Knowledge, counts: Record<string, number>) {
  let records = 0;
  const modified: string[] = [];
  for (const file of jsonFiles(dir)) {
    const parsed = osvRecordSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!parsed.success) continue;
    const kept = advisoriesFromOsv(parsed.data).filter((a) => KEPT_ECOSYSTEMS.has(a.ecosystem));
    for (const a of kept) addAdvisory(knowledge, a.ecosystem, a.name, a.advisory);
    if (kept.length) {
      records++;
      if (parsed.data.modified) modified.push(parsed.data.modified);
    }
  }
  counts[name] = records;
  knowledge.sources.push({ name, license, url, ...optional('asOf', newest(modified)) });
}

function readWordfence(dir: string, knowledge: Knowledge, counts: Record<string, number>) {
  let records = 0;
  for (const file of jsonFiles(dir)) {
    const feed = wordfenceFeed.parse(JSON.parse(readFileSync(file, 'utf8')));
    for (const a of advisoriesFromWordfence(feed)) addAdvisory(knowledge, a.ecosystem, a.name, a.advisory);
    records += Object.keys(feed).length;
  }
  counts['Wordfence Intelligence'] = records;
  knowledge.sources.push({
    name: 'Wordfence Intelligence',
    license: 'Wordfence Intelligence Terms and Conditions; Copyright Defiant, Inc.; CVE records Copyright The MITRE Corporation',
    url: 'https://www.wordfence.com/threat-intel/',
  });
}

/** Lays the user's checkouts in `from` over `knowledge`; a folder with none of them is a mistake worth naming. */
export function readCheckouts(from: string, knowledge: Knowledge, counts: Record<string, number>): void {
  const at = (path: string) => join(from, ...path.split('/'));
  const isDir = (path: string) => existsSync(at(path)) && statSync(at(path)).isDirectory();
  if (!LAYOUT.some(isDir)) throw new AppError('invalid_input', `${from} has none of ${LAYOUT.join(', ')}: nothing to build from`);
  if (isDir(LAYOUT[0]!)) readEndoflife(at(LAYOUT[0]!), knowledge, counts);
  if (isDir(LAYOUT[1]!))
    readOsvRecords(at(LAYOUT[1]!), 'GitHub Advisory Database', 'CC-BY-4.0', 'https://github.com/github/advisory-database', knowledge, counts);
  if (isDir(LAYOUT[2]!)) readOsvRecords(at(LAYOUT[2]!), 'OSV records', 'per record (see src/updates/data/README.md)', 'https://osv.dev', knowledge, counts);
  if (isDir(LAYOUT[3]!)) readWordfence(at(LAYOUT[3]!), knowledge, counts);
}
