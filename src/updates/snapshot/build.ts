import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../../lib/errors.js';
import { EOL_PRODUCTS } from '../eol.js';
import { cyclesFromAnswer, productAnswer } from '../sources/endoflife.js';
import { addAdvisory } from '../sources/merge.js';
import { advisoriesFromOsv, osvRecordSchema } from '../sources/osv-records.js';
import { advisoriesFromWordfence, wordfenceFeed } from '../sources/wordfence.js';
import { emptyKnowledge, type Knowledge } from './format.js';

/**
 * Builds the offline snapshot from local checkouts of the public data (`--from <dir>`):
 *
 *   <dir>/endoflife.date/products/*.md        endoflife.date's repository (release lines in front matter; MIT)
 *   <dir>/advisory-database/advisories/github-reviewed/**.json
 *                                             the GitHub Advisory Database (OSV JSON; CC-BY 4.0), npm, Packagist, PyPI kept
 *   <dir>/osv/**.json                         optional: any other OSV records (an OSV export of Debian or Alpine, PyPA's)
 *   <dir>/wordfence/*.json                    optional: Wordfence Intelligence's production feed (redistributable with attribution)
 *
 * Only what Upkeep matches on is kept (ids, aliases, severity, a one-line summary, a link and the
 * affected ranges); retire.js's data is not copied, the audits' vendored copy is used as it is.
 */
const KEPT_ECOSYSTEMS = new Set(['npm', 'packagist', 'pypi', 'wordpress-core', 'wordpress-plugin', 'wordpress-theme', 'debian', 'alpine']);

function* jsonFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsonFiles(path);
    else if (entry.name.endsWith('.json')) yield path;
  }
}

const newest = (dates: (string | undefined)[]) =>
  dates
    .filter((d): d is string => Boolean(d))
    .sort()
    .at(-1);

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

export interface BuildReport {
  knowledge: Knowledge;
  counts: Record<string, number>;
}

export function buildSnapshot(from: string, now = new Date()): BuildReport {
  const knowledge = emptyKnowledge(now.toISOString());
  const counts: Record<string, number> = {};
  const eolDir = join(from, 'endoflife.date', 'products');
  if (!existsSync(eolDir)) throw new AppError('invalid_input', `${eolDir} is missing: --from needs a checkout of endoflife.date there`);
  for (const product of EOL_PRODUCTS) {
    const file = join(eolDir, `${product}.md`);
    if (existsSync(file)) knowledge.eol[product] = productCycles(file);
  }
  counts['endoflife products'] = Object.keys(knowledge.eol).length;
  knowledge.sources.push({
    name: 'endoflife.date',
    license: 'MIT',
    url: 'https://github.com/endoflife-date/endoflife.date',
    ...optional('asOf', newest(Object.values(knowledge.eol).flatMap((cycles) => cycles.flatMap((c) => [c.releaseDate, c.latestReleaseDate])))),
  });

  const osvDirs: [string, string, string, string][] = [
    [join(from, 'advisory-database', 'advisories', 'github-reviewed'), 'GitHub Advisory Database', 'CC-BY-4.0', 'https://github.com/github/advisory-database'],
    [join(from, 'osv'), 'OSV records', 'per record (see src/updates/data/README.md)', 'https://osv.dev'],
  ];
  for (const [dir, name, license, url] of osvDirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
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

  const wordfenceDir = join(from, 'wordfence');
  if (existsSync(wordfenceDir)) {
    let records = 0;
    for (const file of jsonFiles(wordfenceDir)) {
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
  for (const [eco, packages] of Object.entries(knowledge.advisories)) counts[`${eco} packages with advisories`] = Object.keys(packages).length;
  return { knowledge, counts };
}

const optional = <K extends string>(key: K, value: string | undefined) => (value ? ({ [key]: value } as Record<K, string>) : {});
