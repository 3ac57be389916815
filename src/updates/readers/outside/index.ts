import type { Observed } from '../../component.js';
import { assetsReader, javascriptReader, wordpressFilesReader } from './assets.js';
import { cmsFilesReader, generatorReader, headersReader } from './cms.js';
import type { OutsideReader } from './types.js';

export type { OutsideContext, OutsideReader, SiteResponse } from './types.js';

export type OutsideKind = 'headers' | 'meta-generator' | 'cms-files' | 'assets' | 'wordpress-files' | 'javascript';

/** Every reader of what a site shows from outside, by kind: a kind without a reader does not compile. */
export const outsideReaders = {
  headers: headersReader,
  'meta-generator': generatorReader,
  'cms-files': cmsFilesReader,
  assets: assetsReader,
  'wordpress-files': wordpressFilesReader,
  javascript: javascriptReader,
} satisfies Record<OutsideKind, OutsideReader>;

/**
 * One component per ecosystem and name (a site runs one version of each): sightings add up, and
 * the version comes from the most trusted reader that saw one, unless another gives the same version
 * more precisely.
 */
export function mergeByTrust(found: readonly { component: Observed; trust: number }[]): Observed[] {
  const byKey = new Map<string, { component: Observed; trust: number }>();
  for (const { component, trust } of found) {
    const key = `${component.ecosystem}\0${component.name}`;
    const known = byKey.get(key);
    if (!known) {
      byKey.set(key, { component: { ...component, seen: [...component.seen] }, trust: component.version ? trust : -1 });
      continue;
    }
    for (const s of component.seen) if (!known.component.seen.some((k) => k.source === s.source && k.at === s.at)) known.component.seen.push(s);
    const v = component.version;
    const k = known.component.version;
    // "10.1.6" refines a generator's "10": the more precise of two agreeing versions wins whoever saw it.
    const refines = v !== undefined && k !== undefined && v.startsWith(`${k}.`);
    const refined = v !== undefined && k !== undefined && k.startsWith(`${v}.`);
    if (v && !refined && (refines || trust > known.trust)) {
      known.component.version = component.version;
      known.trust = trust;
    }
  }
  return [...byKey.values()].map((v) => v.component);
}
