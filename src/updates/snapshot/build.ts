import { addAdvisory } from '../sources/merge.js';
import { readCheckouts } from './checkouts.js';
import { readDebs } from './deb-data.js';
import { emptyKnowledge, type Knowledge } from './format.js';
import { installedPackageDir, packageNote, readNodeCoreAdvisories, readNodeReleases } from './npm-data.js';

/**
 * What the shipped snapshot is built from: data that reaches a build machine as packages of the
 * two registries it may install from. Nothing else is shipped; `from` is a user's own build.
 */
export interface SnapshotInputs {
  /** Folder of the installed npm package `node-releases` (default: the devDependency). */
  nodeReleases?: string;
  /** Folder of the installed npm package `is-my-node-vulnerable` (default: the devDependency). */
  nodeVulnerabilities?: string;
  /** Folder with the .deb files of `distro-info-data` and `osinfo-db`. */
  debs: string;
  /** The user's own copies of endoflife.date, advisory databases, OSV exports or a Wordfence feed (see checkouts.ts). */
  from?: string;
}

export interface BuildReport {
  knowledge: Knowledge;
  counts: Record<string, number>;
}

export function buildSnapshot(inputs: SnapshotInputs, now = new Date()): BuildReport {
  const knowledge = emptyKnowledge(now.toISOString());
  const counts: Record<string, number> = {};

  const releasesDir = inputs.nodeReleases ?? installedPackageDir('node-releases');
  const node = readNodeReleases(releasesDir);
  knowledge.eol.nodejs = node.cycles;
  knowledge.sources.push({ ...noteOf(packageNote(releasesDir)), ...(node.asOf ? { asOf: node.asOf } : {}) });
  counts['Node.js release lines'] = node.cycles.length;

  const vulnerabilitiesDir = inputs.nodeVulnerabilities ?? installedPackageDir('is-my-node-vulnerable');
  const core = readNodeCoreAdvisories(vulnerabilitiesDir);
  for (const a of core) addAdvisory(knowledge, 'runtime:node', 'node', a);
  knowledge.sources.push(noteOf(packageNote(vulnerabilitiesDir)));
  counts['Node.js core vulnerabilities'] = core.length;

  const debs = readDebs(inputs.debs);
  Object.assign(knowledge.eol, debs.eol);
  for (const { asOf, ...note } of debs.notes) knowledge.sources.push({ ...noteOf(note, '='), ...(asOf ? { asOf } : {}) });
  for (const [product, cycles] of Object.entries(debs.eol)) counts[`${product} releases`] = cycles.length;

  if (inputs.from) readCheckouts(inputs.from, knowledge, counts);
  for (const [eco, packages] of Object.entries(knowledge.advisories)) counts[`${eco} packages with advisories`] = Object.keys(packages).length;
  return { knowledge, counts };
}

/** A package as the snapshot names its source: name and exact version (npm's `@`, Debian's `=`), licence, where it lives. */
const noteOf = (p: { name: string; version: string; license: string; url: string }, at = '@') => ({
  name: `${p.name}${at}${p.version}`,
  license: p.license,
  url: p.url,
});
