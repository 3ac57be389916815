import { createAuditNet, parseResolveOption } from '../../audits/net.js';
import { loadRepository } from '../../audits/security/retire.js';
import { AppError } from '../../lib/errors.js';
import { createResolver, guardedFetch } from '../../lib/net/index.js';
import { inventoryOutside } from '../../updates/inventory.js';
import { mergeObserved, type Observed } from '../../updates/component.js';
import { inventoryOverSsh } from '../../updates/ssh/inventory.js';
import { parseSshTarget } from '../../updates/ssh/target.js';
import { assess, isOutdated, worstSeverity, type Assessed } from '../../updates/match.js';
import { loadKnowledge, saveRefreshed } from '../../updates/snapshot/load.js';
import { refreshKnowledge } from '../../updates/snapshot/refresh.js';
import type { InventoryOptions } from './inventory.js';

function describe(c: Assessed, now: Date): string {
  const notes: string[] = [];
  if (isOutdated(c)) notes.push(`latest ${c.latest}`);
  if (c.endOfLife) notes.push(`end of life${c.eolDate ? ` since ${c.eolDate}` : ''}`);
  else if (c.eolDate && c.eolDate > now.toISOString().slice(0, 10)) notes.push(`supported until ${c.eolDate}`);
  if (c.closed) notes.push(`closed on WordPress.org${c.closed.reason ? ` (${c.closed.reason})` : ''}`);
  if (c.vulnerabilities.length)
    notes.push(`${c.vulnerabilities.length} known vulnerabilit${c.vulnerabilities.length === 1 ? 'y' : 'ies'} (worst: ${worstSeverity(c.vulnerabilities)})`);
  return `  ${c.ecosystem.padEnd(17)} ${c.name.padEnd(28)} ${(c.version ?? '?').padEnd(12)} ${notes.join('; ')}`.trimEnd();
}

/** Runs `upkeep inventory <url>`; loaded only then (see cli/main.ts). */
export async function runInventory(url: string, opts: InventoryOptions): Promise<void> {
  if (!/^https?:\/\//i.test(url)) throw new AppError('invalid_input', `"${url}" is not an http(s) URL`);
  const target =
    opts.ssh === undefined ? undefined : parseSshTarget(opts.ssh, { sshKey: opts.sshKey, sshHostKey: opts.sshHostKey, knownHosts: opts.knownHosts });
  const now = new Date();
  const net = createAuditNet({ allowPrivate: Boolean(opts.allowPrivate), resolve: parseResolveOption(opts.resolve) });
  const retire = loadRepository(opts.dataDir);
  const [inventory, inside] = await Promise.all([inventoryOutside(url, (u) => net.tryFetch(u), retire), target && inventoryOverSsh(target)]);
  const home = inventory.requests[0];
  if (home?.error && !inside) throw new AppError('unavailable', `cannot reach ${url}: ${home.error}`);
  if (home?.error) process.stderr.write(`upkeep: ${url} could not be reached (${home.error}); listing what was read inside\n`);
  for (const problem of inside?.problems ?? []) process.stderr.write(`upkeep: could not read ${problem}\n`);
  const observed: Observed[] = mergeObserved([...inventory.components, ...(inside?.components ?? [])]);
  let loaded = loadKnowledge(opts.dataDir, now);
  if (opts.refresh) {
    const fetch = guardedFetch({ policy: { allowPrivate: false }, resolver: createResolver({ timeoutMs: 3_000, tries: 2 }), deadlineMs: 60_000 });
    const refreshed = await refreshKnowledge({ knowledge: loaded.knowledge, fetch, components: observed, now });
    for (const r of refreshed.results) process.stderr.write(`${r.ok ? '✓' : '✗'} ${r.kind}: ${r.message}\n`);
    if (refreshed.results.some((r) => r.ok)) saveRefreshed(opts.dataDir, refreshed.knowledge);
    loaded = loadKnowledge(opts.dataDir, now);
  }
  const components = assess(observed, loaded.knowledge, retire, now);
  const knowledge = { builtAt: loaded.builtAt, ageDays: loaded.ageDays, sources: loaded.knowledge.sources };
  if (opts.json) {
    process.stdout.write(
      `${JSON.stringify({ url: inventory.url, ...(inside ? { ssh: inside.target } : {}), knowledge, components, requests: inventory.requests, ...(inside ? { inside: { files: inside.files, commands: inside.commands, problems: inside.problems } } : {}) }, null, 2)}\n`,
    );
    return;
  }
  const lines = [
    `Inventory of ${inventory.url}${inside ? ` and ${inside.target}` : ''} (knowledge of ${loaded.builtAt.slice(0, 10)}, ${loaded.ageDays} days old)`,
  ];
  lines.push(...(components.length ? components.map((c) => describe(c, now)) : ['  nothing recognisable was found']));
  process.stdout.write(`${lines.join('\n')}\n`);
}
