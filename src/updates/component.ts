import { z } from 'zod';

/**
 * What a site runs, one component at a time: the shape every reader produces and every knowledge
 * source and the matcher read. A component is named the way its ecosystem names it (npm package,
 * Composer package `vendor/name`, Debian binary package, WordPress.org slug, retire.js library name).
 *
 * @example
 * { name: 'akismet', ecosystem: 'wordpress-plugin', version: '5.3',
 *   seen: [{ source: 'wp-plugin-header', at: 'wp-content/plugins/akismet/akismet.php' }] }
 */
export const ecosystems = [
  'wordpress-core',
  'wordpress-plugin',
  'wordpress-theme',
  'npm',
  'packagist',
  'pypi',
  'debian',
  'alpine',
  'os:debian',
  'os:ubuntu',
  'os:alpine',
  'runtime:php',
  'runtime:node',
  'runtime:python',
  'server:nginx',
  'server:apache',
  'server:mariadb',
  'server:mysql',
  'server:postgresql',
  'cms:drupal',
  'cms:joomla',
  'js-library',
] as const;
export type Ecosystem = (typeof ecosystems)[number];

export const severities = ['low', 'medium', 'high', 'critical', 'unknown'] as const;
export type VulnerabilitySeverity = (typeof severities)[number];

export const vulnerabilitySchema = z.object({
  id: z.string().min(1),
  aliases: z.array(z.string()).default([]),
  severity: z.enum(severities).default('unknown'),
  summary: z.string().default(''),
  /** Versions that fix it (the smallest one above the installed version first); empty when none is known. */
  fixedIn: z.array(z.string()).default([]),
  url: z.string().optional(),
});
export type Vulnerability = z.output<typeof vulnerabilitySchema>;

export const sightingSchema = z.object({
  /** The reader that saw it (`composer-lock`, `meta-generator`, …). */
  source: z.string().min(1),
  /** The file path (inside) or URL (outside) it was read from. */
  at: z.string().min(1),
});
export type Sighting = z.output<typeof sightingSchema>;

export const componentSchema = z.object({
  name: z.string().min(1),
  ecosystem: z.enum(ecosystems),
  /** Absent when the component is visible but its version is not (a plugin folder with no readme). */
  version: z.string().min(1).optional(),
  seen: z.array(sightingSchema).min(1),
  /** The name advisories use when it differs: a Debian binary package's source package, an Alpine package's origin. */
  advisoryName: z.string().optional(),
  /** The distribution release an OS package belongs to, as OSV names it (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`). */
  release: z.string().optional(),
  latest: z.string().optional(),
  /** ISO date the component's release line stops (stopped) getting fixes. */
  eolDate: z.string().optional(),
  vulnerabilities: z.array(vulnerabilitySchema).default([]),
});
export type Component = z.output<typeof componentSchema>;
/** What readers return: the facts they see, before any knowledge is added. */
export type Observed = Pick<Component, 'name' | 'ecosystem' | 'seen'> & Partial<Pick<Component, 'version' | 'advisoryName' | 'release'>>;

/**
 * One component per ecosystem, name and version: sightings of the same thing merge. A sighting with
 * no version joins a versioned one of the same name (a plugin folder and its readme), since two
 * installed versions of one name (nested npm packages) are two components.
 */
export function mergeObserved(found: readonly Observed[]): Observed[] {
  const byName = new Map<string, Observed[]>();
  const out: Observed[] = [];
  const versionedFirst = [...found].sort((a, b) => Number(a.version === undefined) - Number(b.version === undefined));
  for (const c of versionedFirst) {
    const key = `${c.ecosystem}\0${c.name}`;
    const same = byName.get(key) ?? [];
    const known = same.find((k) => c.version === undefined || k.version === c.version);
    if (!known) {
      const copy: Observed = { ...c, seen: [...c.seen] };
      same.push(copy);
      out.push(copy);
      byName.set(key, same);
      continue;
    }
    for (const s of c.seen) if (!known.seen.some((k) => k.source === s.source && k.at === s.at)) known.seen.push(s);
    if (known.advisoryName === undefined && c.advisoryName !== undefined) known.advisoryName = c.advisoryName;
    if (known.release === undefined && c.release !== undefined) known.release = c.release;
  }
  return out;
}
