import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/json.js';
import type { Assessed } from './match.js';
import { worstSeverity } from './match.js';

/** What changed between two inventories of a site, by component (ecosystem and name). */
export interface InventoryDiff {
  added: { ecosystem: string; name: string; versions: string[] }[];
  removed: { ecosystem: string; name: string; versions: string[] }[];
  changed: { ecosystem: string; name: string; from: string[]; to: string[] }[];
}

/** The facts a stored inventory keeps of a component; equal facts make equal fingerprints. */
export interface StoredComponent {
  ecosystem: string;
  name: string;
  version: string | null;
  latest: string | null;
  eolDate: string | null;
  endOfLife: boolean;
  vulnerabilities: number;
  worstSeverity: string | null;
}

/** A component's own facts, those it lacks as null: what inventories keep and the API shows of it. */
export const componentFacts = (c: Assessed) => ({
  ecosystem: c.ecosystem,
  name: c.name,
  version: c.version ?? null,
  latest: c.latest ?? null,
  eolDate: c.eolDate ?? null,
  endOfLife: c.endOfLife,
});

export function storedFacts(c: Assessed): StoredComponent {
  return {
    ...componentFacts(c),
    vulnerabilities: c.vulnerabilities.length,
    worstSeverity: worstSeverity(c.vulnerabilities) ?? null,
  };
}

const order = (a: StoredComponent, b: StoredComponent) =>
  a.ecosystem.localeCompare(b.ecosystem) || a.name.localeCompare(b.name) || (a.version ?? '').localeCompare(b.version ?? '');

/** SHA-256 of the sorted facts: an inventory equal to the previous one is not stored again. */
export function fingerprintOf(components: readonly StoredComponent[]): string {
  return createHash('sha256')
    .update(canonicalJson([...components].sort(order)))
    .digest('hex');
}

/**
 * Compares two inventories. A name with several installed versions (nested npm packages) counts
 * as changed when its set of versions differs.
 *
 * @example diffInventories(before, after).changed // [{ ecosystem: 'wordpress-plugin', name: 'akismet', from: ['5.0.2'], to: ['5.3'] }]
 */
export function diffInventories(before: readonly Pick<StoredComponent, 'ecosystem' | 'name' | 'version'>[], after: typeof before): InventoryDiff {
  const group = (list: typeof before) => {
    const map = new Map<string, { ecosystem: string; name: string; versions: string[] }>();
    for (const c of list) {
      const key = `${c.ecosystem}\0${c.name}`;
      const entry = map.get(key) ?? { ecosystem: c.ecosystem, name: c.name, versions: [] };
      if (c.version !== null && !entry.versions.includes(c.version)) entry.versions.push(c.version);
      entry.versions.sort();
      map.set(key, entry);
    }
    return map;
  };
  const a = group(before);
  const b = group(after);
  const diff: InventoryDiff = { added: [], removed: [], changed: [] };
  for (const [key, entry] of b) {
    const old = a.get(key);
    if (!old) diff.added.push(entry);
    else if (old.versions.join('\0') !== entry.versions.join('\0'))
      diff.changed.push({ ecosystem: entry.ecosystem, name: entry.name, from: old.versions, to: entry.versions });
  }
  for (const [key, entry] of a) if (!b.has(key)) diff.removed.push(entry);
  return diff;
}
