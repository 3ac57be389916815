import type { Ecosystem, Observed } from './component.js';
import type { Cycle, Knowledge } from './snapshot/format.js';
import { schemeFor } from './versions/index.js';

/** endoflife.date's product for what a component is, when it tracks one. */
const PRODUCT_OF: Partial<Record<Ecosystem, string>> = {
  'wordpress-core': 'wordpress',
  'os:debian': 'debian',
  'os:ubuntu': 'ubuntu',
  'os:alpine': 'alpine-linux',
  'runtime:php': 'php',
  'runtime:node': 'nodejs',
  'runtime:python': 'python',
  'server:nginx': 'nginx',
  'server:apache': 'apache-http-server',
  'server:mariadb': 'mariadb',
  'server:mysql': 'mysql',
  'server:postgresql': 'postgresql',
  'cms:drupal': 'drupal',
  'cms:joomla': 'joomla',
};
/** retire.js library names that endoflife.date follows. */
const JS_PRODUCTS: Record<string, string> = { jquery: 'jquery', angularjs: 'angularjs', bootstrap: 'bootstrap', vue: 'vue', react: 'react' };

/** Every endoflife.date product Upkeep reads: what the snapshot keeps and a refresh asks for. */
export const EOL_PRODUCTS: readonly string[] = [...new Set([...Object.values(PRODUCT_OF), ...Object.values(JS_PRODUCTS)])].sort();

export const eolProductOf = (c: Pick<Observed, 'ecosystem' | 'name'>): string | undefined =>
  c.ecosystem === 'js-library' ? JS_PRODUCTS[c.name] : PRODUCT_OF[c.ecosystem];

/** The release line a version belongs to: the longest cycle whose numbers start the version ("8.3" for 8.3.6, "22" for 22.11.0). */
export function cycleOf(cycles: readonly Cycle[], version: string): Cycle | undefined {
  const parts = version.split(/[.+~-]/);
  let best: Cycle | undefined;
  for (const c of cycles) {
    const cp = c.cycle.split('.');
    if (cp.every((p, i) => parts[i] === p) && (!best || cp.length > best.cycle.split('.').length)) best = c;
  }
  return best;
}

export interface EolFacts {
  eolDate?: string;
  /** True when the cycle's end has passed (or endoflife.date says so without a date). */
  endOfLife: boolean;
  /** Newest release of the product, and of the component's own release line. */
  latest?: string;
  latestInCycle?: string;
}

/** End of life and newest versions of a component from endoflife.date's data, as of `now`. */
export function eolFacts(knowledge: Knowledge, c: Pick<Observed, 'ecosystem' | 'name' | 'version'>, now: Date): EolFacts | undefined {
  const product = eolProductOf(c);
  const cycles = product ? knowledge.eol[product] : undefined;
  if (!cycles?.length) return undefined;
  const scheme = schemeFor(c.ecosystem);
  const newest = cycles
    .map((x) => x.latest)
    .filter((v): v is string => Boolean(v))
    .sort((a, b) => scheme.compare(b, a))[0];
  const cycle = c.version ? cycleOf(cycles, c.version) : undefined;
  const eol = cycle?.eol;
  const eolDate = typeof eol === 'string' ? eol : undefined;
  return {
    ...(eolDate ? { eolDate } : {}),
    endOfLife: eol === true || (eolDate !== undefined && eolDate <= now.toISOString().slice(0, 10)),
    ...(newest ? { latest: newest } : {}),
    ...(cycle?.latest ? { latestInCycle: cycle.latest } : {}),
  };
}
