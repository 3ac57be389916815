import { z } from 'zod';
import type { Ecosystem, Observed, VulnerabilitySeverity } from '../component.js';
import type { Advisory } from '../snapshot/format.js';
import { affectedRangeSchema } from '../versions/ranges.js';

/**
 * OSV records (https://ossf.github.io/osv-schema/) — what OSV's API answers and what the GitHub
 * Advisory Database stores — turned into Upkeep's advisories, and components into OSV's package
 * names. Only the fields Upkeep uses are read; ranges of other types (GIT) are dropped.
 */
export const osvRecordSchema = z
  .object({
    id: z.string(),
    modified: z.string().optional(),
    withdrawn: z.string().optional(),
    aliases: z.array(z.string()).nullish(),
    summary: z.string().nullish(),
    details: z.string().nullish(),
    affected: z
      .array(
        z
          .object({
            package: z.object({ ecosystem: z.string(), name: z.string() }).loose().optional(),
            ranges: z.array(z.object({ type: z.string(), events: z.array(z.record(z.string(), z.string())) }).loose()).nullish(),
            versions: z.array(z.string()).nullish(),
          })
          .loose(),
      )
      .nullish(),
    references: z.array(z.object({ type: z.string(), url: z.string() }).loose()).nullish(),
    database_specific: z.object({ severity: z.string().nullish() }).loose().nullish(),
  })
  .loose();
export type OsvRecord = z.output<typeof osvRecordSchema>;

const SEVERITY: Record<string, VulnerabilitySeverity> = { low: 'low', moderate: 'medium', medium: 'medium', high: 'high', critical: 'critical' };

/** OSV's ecosystem name → ours; OS ecosystems carry their release ("Debian:12"). */
function ecosystemOf(osv: string): Ecosystem | undefined {
  if (osv === 'npm') return 'npm';
  if (osv === 'Packagist') return 'packagist';
  if (osv === 'PyPI') return 'pypi';
  if (/^(Debian|Ubuntu)(:|$)/.test(osv)) return 'debian';
  if (/^Alpine(:|$)/.test(osv)) return 'alpine';
  return undefined;
}

/** Where an advisory is filed in the knowledge: by ecosystem, then by the package name advisories use (with the release for OS packages). */
export function advisoryKey(c: Pick<Observed, 'ecosystem' | 'name' | 'advisoryName' | 'release'>): { ecosystem: Ecosystem; name: string } {
  const name = c.advisoryName ?? c.name;
  if ((c.ecosystem === 'debian' || c.ecosystem === 'alpine') && c.release) return { ecosystem: c.ecosystem, name: `${c.release}/${name}` };
  // Drupal core's advisories are filed under its Composer package.
  if (c.ecosystem === 'cms:drupal') return { ecosystem: 'packagist', name: 'drupal/core' };
  // Composer names are lower-case; PyPI's are compared in their normalized form (PEP 503).
  if (c.ecosystem === 'packagist') return { ecosystem: c.ecosystem, name: name.toLowerCase() };
  if (c.ecosystem === 'pypi') return { ecosystem: c.ecosystem, name: name.toLowerCase().replace(/[-_.]+/g, '-') };
  return { ecosystem: c.ecosystem, name };
}

/** The package OSV's API knows a component as, or undefined when OSV does not cover its ecosystem. */
export function osvPackageOf(c: Observed): { ecosystem: string; name: string } | undefined {
  const name = c.advisoryName ?? c.name;
  switch (c.ecosystem) {
    case 'npm':
      return { ecosystem: 'npm', name };
    case 'packagist':
      return { ecosystem: 'Packagist', name };
    case 'pypi':
      return { ecosystem: 'PyPI', name };
    case 'cms:drupal':
      return { ecosystem: 'Packagist', name: 'drupal/core' };
    case 'debian':
    case 'alpine':
      return c.release ? { ecosystem: c.release, name } : undefined;
    default:
      return undefined;
  }
}

const WORDPRESS_CORE_PACKAGES = new Set(['johnpbloch/wordpress-core', 'roots/wordpress', 'roots/wordpress-no-content', 'roots/wordpress-full']);

function wordpressPackage(name: string): { ecosystem: Ecosystem; name: string } | undefined {
  if (WORDPRESS_CORE_PACKAGES.has(name)) return { ecosystem: 'wordpress-core', name: 'wordpress' };
  const m = /^wpackagist-(plugin|theme)\/(.+)$/.exec(name);
  return m ? { ecosystem: m[1] === 'plugin' ? 'wordpress-plugin' : 'wordpress-theme', name: m[2]! } : undefined;
}

/** One OSV record as advisories filed by ecosystem and package; a withdrawn record gives none. */
export function advisoriesFromOsv(record: OsvRecord): { ecosystem: Ecosystem; name: string; advisory: Advisory }[] {
  if (record.withdrawn) return [];
  const summary = (record.summary ?? record.details ?? '').split('\n', 1)[0]!.slice(0, 300);
  const severity = SEVERITY[(record.database_specific?.severity ?? '').toLowerCase()] ?? 'unknown';
  const url = record.references?.find((r) => r.type === 'ADVISORY')?.url ?? `https://osv.dev/vulnerability/${record.id}`;
  const byPackage = new Map<string, { ecosystem: Ecosystem; name: string; advisory: Advisory }>();
  for (const a of record.affected ?? []) {
    const ecosystem = a.package ? ecosystemOf(a.package.ecosystem) : undefined;
    if (!ecosystem || !a.package) continue;
    const osvEco = a.package.ecosystem;
    const key = advisoryKey({ ecosystem, name: a.package.name, ...(ecosystem === 'debian' || ecosystem === 'alpine' ? { release: osvEco } : {}) });
    const ranges = (a.ranges ?? []).flatMap((r) => {
      const parsed = affectedRangeSchema.safeParse(r);
      return parsed.success && parsed.data.type !== 'INTERVAL' ? [parsed.data] : [];
    });
    const id = `${key.ecosystem}\0${key.name}`;
    const entry = byPackage.get(id) ?? {
      ...key,
      advisory: {
        id: record.id,
        aliases: record.aliases ?? [],
        severity,
        summary,
        url,
        ...(record.modified ? { modified: record.modified } : {}),
        ranges: [],
      },
    };
    entry.advisory.ranges.push(...ranges);
    if (a.versions?.length) entry.advisory.versions = [...(entry.advisory.versions ?? []), ...a.versions];
    byPackage.set(id, entry);
  }
  // WordPress's Composer mirrors (WPackagist, roots/wordpress) speak of WordPress core, plugins and themes too.
  const alsoWordPress = [...byPackage.values()].flatMap((e) => {
    const wp = e.ecosystem === 'packagist' ? wordpressPackage(e.name) : undefined;
    return wp ? [{ ...wp, advisory: e.advisory }] : [];
  });
  return [...byPackage.values(), ...alsoWordPress];
}
