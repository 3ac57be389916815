import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { canonicalJson } from '../lib/json.js';
import { envRefsUnder } from '../lib/stored-object.js';
import type { LoadedConfig } from './load.js';
import type { Config } from './schema.js';
import type { Owned, PlanAction, PlanItem, SectionStore, SectionSync } from './section.js';
import { transactionLock } from '../cluster/cluster.repository.js';

export type { PlanItem } from './section.js';

export interface Plan {
  items: PlanItem[];
  /** Objects made in the API that the file does not mention: kept as they are. */
  unmanaged: string[];
  /** Objects made in the API that the file now names exactly as they are: from now on the file owns them. */
  adopted: string[];
}

/** Leaves of an object by dotted path, for showing what changed. */
function leaves(value: unknown, path = '', out: Record<string, string> = {}): Record<string, string> {
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) leaves(child, path ? `${path}.${key}` : key, out);
  } else if (path) out[path] = JSON.stringify(value);
  return out;
}

/** One line per changed field (secrets only said to have changed). */
export function describeChanges(before: unknown, after: unknown, isSecret: (path: readonly string[]) => boolean): string[] {
  const a = leaves(before);
  const b = leaves(after);
  const changes: string[] = [];
  for (const path of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[path] === b[path]) continue;
    if (isSecret(path.split('.'))) changes.push(`${path}: (secret changed)`);
    else changes.push(`${path}: ${a[path] ?? '(unset)'} → ${b[path] ?? '(unset)'}`);
  }
  return changes;
}

/**
 * Syncs upkeep.yaml into the database, in one transaction, through the stores the features
 * register (in order: what others name comes first). Objects the file created and no longer
 * mentions are deleted; objects made in the API are only touched when the file names them (the
 * file then takes them over).
 */
export class ConfigSync {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly stores: readonly SectionStore<Config>[],
  ) {}

  async apply(loaded: LoadedConfig, options: { dryRun: boolean }): Promise<Plan> {
    return this.db.transaction().execute(async (trx) => {
      // Nodes of a cluster apply the same file as they start, and anyone may run `upkeep apply`
      // meanwhile: one at a time, each seeing what the previous one wrote (so the later ones change nothing).
      await transactionLock(trx, 'config', 0);
      return this.sync(trx, loaded, options.dryRun);
    });
  }

  private async sync(trx: Kysely<Database>, loaded: LoadedConfig, dryRun: boolean): Promise<Plan> {
    // Derived objects first (backup jobs bring their heartbeat monitors): from here on they are like any other.
    const config = this.stores.reduce((c, store) => store.expand?.(c) ?? c, loaded.config);
    const items: PlanItem[] = [];
    const unmanaged: string[] = [];
    const adopted: string[] = [];
    const sync: SectionSync = {
      trx,
      now: this.clock.now(),
      dryRun,
      items,
      unmanaged,
      compare: (kind, key, before, after, beforeSpec, afterSpec, changes) => {
        if (this.same(before, after, beforeSpec, afterSpec)) return false;
        if (before.managedBy !== after.managedBy && this.same({ ...before, managedBy: after.managedBy }, after, beforeSpec, afterSpec))
          adopted.push(`${kind} "${key}"`);
        else items.push({ action: 'update', kind, key, changes: changes() });
        return true;
      },
      describe: (...args) => this.changes(...args),
      refsUnder: (prefix, exclude) => envRefsUnder(loaded.envRefs, prefix, exclude),
    };
    for (const store of this.stores) await store.apply?.(config, sync);
    return { items, unmanaged, adopted };
  }

  /** Equal when the definition (secrets included), the `${VAR}` references and the owner are all unchanged. */
  private same(before: Owned, after: Owned, beforeSpec: unknown, afterSpec: unknown): boolean {
    const view = (w: Owned, spec: unknown) => canonicalJson({ spec, envRefs: w.envRefs, managedBy: w.managedBy });
    return view(before, beforeSpec) === view(after, afterSpec);
  }

  private changes(
    schema: z.ZodType,
    beforeSpec: unknown,
    afterSpec: unknown,
    before: Owned,
    after: Owned,
    isSecret: (path: readonly string[]) => boolean,
  ): string[] {
    const changes = describeChanges(z.encode(schema, beforeSpec), z.encode(schema, afterSpec), isSecret);
    if (before.managedBy !== after.managedBy) changes.push('made in the API: now managed by the config file');
    if (before.envRefs !== after.envRefs) changes.push('environment variable references changed');
    return changes;
  }
}

/** One line per object, "+" create, "~" update, "-" delete, with an update's changed fields under it. */
export function planLines(items: readonly PlanItem[]): string[] {
  const lines: string[] = [];
  const sign = { create: '+', update: '~', delete: '-' } as const;
  for (const item of items) {
    lines.push(`  ${sign[item.action]} ${item.kind} "${item.key}"`);
    for (const change of item.changes) lines.push(`      ${change}`);
  }
  return lines;
}

/** The plan as people read it: one line per object, "+" create, "~" update, "-" delete. */
export function formatPlan(plan: Plan, dryRun: boolean): string {
  const lines = planLines(plan.items);
  const count = (a: PlanAction) => plan.items.filter((i) => i.action === a).length;
  const head = plan.items.length
    ? `${dryRun ? 'Plan (dry run, nothing written)' : 'Applied'}: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete`
    : 'No changes: the database matches the config file.';
  const some = (list: string[]) => `${list.slice(0, 5).join(', ')}${list.length > 5 ? ', …' : ''}`;
  const tail = [];
  if (plan.adopted.length)
    tail.push(
      `  ${plan.adopted.length} object(s) made in the API match the file and ${dryRun ? 'would be' : 'are'} managed by it from now on: ${some(plan.adopted)}`,
    );
  if (plan.unmanaged.length) {
    tail.push(
      `  ${plan.unmanaged.length} object(s) made in the API are not in the file and were kept: ${some(plan.unmanaged)}`,
      '  (run "upkeep export" to bring them into the file)',
    );
  }
  return [head, ...lines, ...tail].join('\n');
}
