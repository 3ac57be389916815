import type { Ecosystem, VulnerabilitySeverity } from './component.js';
import { isOutdated, worstSeverity, type Assessed } from './match.js';
import type { UpdateKind, UpdatePolicy, UpdateSite } from './policy.js';
import type { UpdateStep } from './runs/steps/index.js';
import { schemeFor } from './versions/index.js';

/** One update a site could take, and what its policy says of it. */
export interface PendingUpdate {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** The version the update goes to: the newest when the policy lets its kind through, else the smallest fix. */
  to: string;
  kind: UpdateKind;
  vulnerabilities: number;
  worst: VulnerabilitySeverity | null;
  /** When the release went out, when a registry said. */
  releasedAt: string | null;
  /** Why it is not taken now (kind not allowed, too young, no step can update it); null when it is. */
  held: string | null;
}

/** A change's size by its first differing number: 1.x → 2.x major, 1.2 → 1.3 minor, else patch. */
function sizeOf(from: string, to: string): Exclude<UpdateKind, 'security'> {
  const a = from.split(/[.+~-]/);
  const b = to.split(/[.+~-]/);
  if (a[0] !== b[0]) return 'major';
  if ((a[1] ?? '0') !== (b[1] ?? '0')) return 'minor';
  return 'patch';
}

/** The smallest version above `version` that fixes every known vulnerability of it, if one is known. */
function smallestFix(c: Assessed): string | undefined {
  const scheme = schemeFor(c.ecosystem);
  const fixes = c.vulnerabilities.map((v) => v.fixedIn.filter((f) => scheme.compare(f, c.version!) > 0).sort((x, y) => scheme.compare(x, y))[0]);
  if (!fixes.length || fixes.some((f) => f === undefined)) return undefined;
  return (fixes as string[]).sort((x, y) => scheme.compare(y, x))[0];
}

/** Ecosystems an update step can change; the rest (JavaScript seen from outside, runtimes, the OS itself) are updated by hand. */
const updatable: readonly Ecosystem[] = ['wordpress-core', 'wordpress-plugin', 'wordpress-theme', 'packagist', 'npm', 'debian'];

/**
 * The updates a site's components call for, as its policy sees them: each with its kind, the version
 * it goes to and, when it waits, why.
 *
 * @example pendingUpdates(components, policy, (eco, name) => knowledge.latest[eco]?.[name]?.date, Date.now())
 */
export function pendingUpdates(
  components: readonly Assessed[],
  policy: UpdatePolicy,
  releasedAt: (ecosystem: Ecosystem, name: string, version: string) => string | undefined,
  now: number,
): PendingUpdate[] {
  const out: PendingUpdate[] = [];
  for (const c of components) {
    if (!c.version) continue;
    const fix = c.vulnerabilities.length ? smallestFix(c) : undefined;
    const newest = isOutdated(c) ? c.latest! : undefined;
    if (!fix && !newest) continue;
    const newestKind = newest === undefined ? undefined : sizeOf(c.version, newest);
    const security = fix !== undefined;
    const takeNewest = newest !== undefined && policy.updates.includes(newestKind!);
    const to = takeNewest ? newest : (fix ?? newest!);
    const kind: UpdateKind = security ? 'security' : newestKind!;
    const date = releasedAt(c.ecosystem, c.name, to) ?? null;
    const age = date === null ? undefined : now - Date.parse(date);
    let held: string | null = null;
    if (!updatable.includes(c.ecosystem)) held = 'no update step for this kind of component: update it by hand';
    else if (!(takeNewest || (security && policy.updates.includes('security')))) held = `the policy ${policy.name} does not take ${kind} updates`;
    else if (age !== undefined && age < policy.minReleaseAge && !(security && policy.securitySkipsWait))
      held = `released ${date}: younger than the policy's minimum release age`;
    out.push({
      ecosystem: c.ecosystem,
      name: c.name,
      version: c.version,
      to,
      kind,
      vulnerabilities: c.vulnerabilities.length,
      worst: worstSeverity(c.vulnerabilities) ?? null,
      releasedAt: date,
      held,
    });
  }
  return out;
}

/** The step that makes one update (updatable ecosystems only). */
function stepOf(u: PendingUpdate, site: Pick<UpdateSite, 'wordpress'>): UpdateStep {
  switch (u.ecosystem) {
    case 'wordpress-core':
      return { kind: 'wp-cli', target: 'core', version: u.to };
    case 'wordpress-plugin':
    case 'wordpress-theme': {
      const target = u.ecosystem === 'wordpress-plugin' ? 'plugin' : 'theme';
      return site.wordpress === 'files' ? { kind: u.ecosystem, slug: u.name, version: u.to } : { kind: 'wp-cli', target, name: u.name, version: u.to };
    }
    case 'packagist':
      return { kind: 'composer', packages: [u.name] };
    case 'npm':
      return { kind: 'npm', packages: [{ name: u.name, version: u.to }] };
    default:
      return { kind: 'apt', packages: [u.name] };
  }
}

/** Steps of one run: Composer, npm and apt updates of a group share one command each. */
function stepsOf(updates: readonly PendingUpdate[], site: Pick<UpdateSite, 'wordpress'>): UpdateStep[] {
  const steps: UpdateStep[] = [];
  for (const u of updates) {
    const step = stepOf(u, site);
    const same = steps.find((s) => s.kind === step.kind && (s.kind === 'composer' || s.kind === 'npm' || s.kind === 'apt'));
    if (same?.kind === 'composer' && step.kind === 'composer') same.packages.push(...step.packages);
    else if (same?.kind === 'npm' && step.kind === 'npm') same.packages.push(...step.packages);
    else if (same?.kind === 'apt' && step.kind === 'apt') same.packages.push(...step.packages);
    else steps.push(step);
  }
  return steps;
}

/** The updates taken now, grouped into runs as the policy says; each group's steps in order (core before plugins). */
export function groupRuns(
  updates: readonly PendingUpdate[],
  policy: UpdatePolicy,
  site: Pick<UpdateSite, 'wordpress'>,
): { updates: PendingUpdate[]; steps: UpdateStep[] }[] {
  const taken = updates.filter((u) => u.held === null);
  const order = (u: PendingUpdate) => updatable.indexOf(u.ecosystem);
  const sorted = [...taken].sort((a, b) => order(a) - order(b) || a.name.localeCompare(b.name));
  const groups = new Map<string, PendingUpdate[]>();
  for (const u of sorted) {
    const key = policy.group === 'together' ? '' : policy.group === 'per-ecosystem' ? u.ecosystem : `${u.ecosystem}/${u.name}`;
    groups.set(key, [...(groups.get(key) ?? []), u]);
  }
  return [...groups.values()].map((g) => ({ updates: g, steps: stepsOf(g, site) }));
}
