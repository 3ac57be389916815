import { advisoriesFor, type RetireIndex } from '../audits/security/retire.js';
import type { Component, Observed, Vulnerability, VulnerabilitySeverity } from './component.js';
import { eolFacts } from './eol.js';
import type { Knowledge } from './snapshot/format.js';
import { advisoryKey } from './sources/osv-records.js';
import { schemeFor } from './versions/index.js';
import { fixesFor, isAffected } from './versions/ranges.js';

/** A component with what Upkeep knows of it: newest release, end of life, known vulnerabilities. */
export type Assessed = Component & {
  endOfLife: boolean;
  /** Newest release of the component's own release line, when endoflife.date tracks it. */
  latestInCycle?: string;
  /** WordPress.org closed the plugin: it will get no more updates. */
  closed?: Knowledge['closed'][string];
};

const RANK: VulnerabilitySeverity[] = ['unknown', 'low', 'medium', 'high', 'critical'];
export const worstSeverity = (vulns: readonly Vulnerability[]): VulnerabilitySeverity | undefined =>
  vulns.length ? vulns.reduce((w, v) => (RANK.indexOf(v.severity) > RANK.indexOf(w) ? v.severity : w), 'unknown' as VulnerabilitySeverity) : undefined;

function retireVulnerabilities(retire: RetireIndex, c: Observed): Vulnerability[] {
  return advisoriesFor(retire, c.name, c.version!).map((v) => {
    const aliases = [...(v.identifiers.CVE ?? []), ...(v.identifiers.githubID ? [v.identifiers.githubID] : [])];
    return {
      id: aliases[0] ?? `retire:${c.name}@<${v.below}`,
      aliases: aliases.slice(1),
      severity: v.severity,
      summary: (v.identifiers.summary ?? '').split('\n', 1)[0]!.slice(0, 300),
      fixedIn: [v.below],
      ...(v.info[0] ? { url: v.info[0] } : {}),
    };
  });
}

function knownVulnerabilities(knowledge: Knowledge, c: Observed): Vulnerability[] {
  const key = advisoryKey(c);
  const scheme = schemeFor(c.ecosystem);
  const version = c.version!;
  return (knowledge.advisories[key.ecosystem]?.[key.name] ?? [])
    .filter((a) => isAffected(version, a, scheme))
    .map((a) => ({
      id: a.id,
      aliases: a.aliases,
      severity: a.severity,
      summary: a.summary,
      fixedIn: a.fixed ?? fixesFor(version, a.ranges, scheme),
      ...(a.url ? { url: a.url } : {}),
    }));
}

/**
 * Adds what the knowledge says to each component: newest version (from the registries, else from
 * endoflife.date), end of life of its release line as of `now`, and the known vulnerabilities of
 * its exact version (retire.js's data for JavaScript libraries, advisories for the rest).
 *
 * @example assess(readInside(files), loadKnowledge(dataDir).knowledge, loadRepository(dataDir), new Date())
 */
export function assess(components: readonly Observed[], knowledge: Knowledge, retire: RetireIndex, now: Date): Assessed[] {
  return components.map((c) => {
    const eol = eolFacts(knowledge, c, now);
    const registry = knowledge.latest[c.ecosystem]?.[c.name]?.version;
    const latest = registry ?? eol?.latest;
    const found = c.version === undefined ? [] : c.ecosystem === 'js-library' ? retireVulnerabilities(retire, c) : knownVulnerabilities(knowledge, c);
    const vulnerabilities = [...new Map(found.map((v) => [v.id, v])).values()];
    const closed = c.ecosystem === 'wordpress-plugin' ? knowledge.closed[c.name] : undefined;
    return {
      ...c,
      vulnerabilities,
      endOfLife: eol?.endOfLife ?? false,
      ...(latest ? { latest } : {}),
      ...(eol?.eolDate ? { eolDate: eol.eolDate } : {}),
      ...(eol?.latestInCycle ? { latestInCycle: eol.latestInCycle } : {}),
      ...(closed ? { closed } : {}),
    };
  });
}

/** Whether the installed version is older than the newest known one. */
export const isOutdated = (c: Assessed): boolean => Boolean(c.version && c.latest && schemeFor(c.ecosystem).compare(c.version, c.latest) < 0);
