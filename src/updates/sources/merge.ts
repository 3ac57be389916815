import type { Ecosystem } from '../component.js';
import type { Advisory, Knowledge } from '../snapshot/format.js';
import type { KnowledgePatch } from './types.js';

/** Files an advisory under its package; the copy modified later wins when the same id is there already. */
export function addAdvisory(into: KnowledgePatch | Knowledge, ecosystem: Ecosystem, name: string, advisory: Advisory): void {
  const byPackage = (into.advisories ??= {});
  const packages = (byPackage[ecosystem] ??= {});
  const list = (packages[name] ??= []);
  const at = list.findIndex((a) => a.id === advisory.id);
  if (at < 0) list.push(advisory);
  else if ((advisory.modified ?? '') >= (list[at]!.modified ?? '')) list[at] = advisory;
}

/** The patch laid over the knowledge: newer advisories replace older ones, fetched release lines and latest versions replace stored ones. */
export function applyPatch(knowledge: Knowledge, patch: KnowledgePatch): Knowledge {
  const next: Knowledge = structuredClone(knowledge);
  Object.assign(next.eol, patch.eol ?? {});
  Object.assign(next.closed, patch.closed ?? {});
  for (const [eco, packages] of Object.entries(patch.latest ?? {}) as [Ecosystem, Record<string, { version: string; date?: string }>][])
    next.latest[eco] = { ...next.latest[eco], ...packages };
  for (const [eco, packages] of Object.entries(patch.advisories ?? {}) as [Ecosystem, Record<string, Advisory[]>][])
    for (const [name, list] of Object.entries(packages)) for (const a of list) addAdvisory(next, eco, name, a);
  return next;
}
