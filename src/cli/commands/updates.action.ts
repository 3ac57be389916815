import { readFile } from 'node:fs/promises';
import type { Core } from '../../app.js';
import { parse as parseYaml } from 'yaml';
import { openSsh, shellQuote } from '../../backups/sftp-connection.js';
import { readEnvironment } from '../../config/env.js';
import { parseInput } from '../../config/validate.js';
import { incidentsService } from '../../incidents/index.js';
import { MaintenanceService } from '../../incidents/maintenance.service.js';
import { AppError, describeError } from '../../lib/errors.js';
import { createUpdateRuns } from '../../updates/index.js';
import { InventoryService } from '../../updates/inventory.service.js';
import { refreshInventory } from '../../updates/inventory-refresh.js';
import { UpdatePolicies } from '../../updates/policies.service.js';
import { policyFor } from '../../updates/policy.js';
import type { Config } from '../../config-file.js';
import { isOutdated, worstSeverity } from '../../updates/match.js';
import type { RunRecord } from '../../updates/runs/runs.service.js';
import { runSpecSchema, type RunSpec } from '../../updates/runs/spec.js';
import { describeStep, stepTypeOf } from '../../updates/runs/steps/index.js';
import { connectionOf, describeTarget } from '../../updates/ssh/target.js';
import { readConfigOption, withCore } from '../run.js';
import type { UpdatesOptions } from './updates.js';

/** The run spec file (YAML or JSON, see docs/updates.md), checked like the API checks it; `raw` is what a run stores. */
async function readSpec(file: string): Promise<{ raw: unknown; spec: RunSpec }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AppError('invalid_input', `cannot read the run spec ${file}: ${describeError(err)}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new AppError('invalid_input', `${file} is not YAML or JSON: ${describeError(err)}`);
  }
  return { raw: value, spec: parseInput(runSpecSchema, value) };
}

interface Plan {
  site: string;
  ssh: string;
  backups: string[];
  pages: string[];
  steps: string[];
  rollback: string;
  /** Over SSH: the tools the steps need, found or not, and what is outdated or vulnerable now. */
  checks?: { tool: string; found: boolean }[];
  /** The inventory kept in the site's history: its id, and what changed since the previous one. */
  inventory?: { id: number; components: number; changed: string[] };
  pending?: {
    ecosystem: string;
    name: string;
    version: string | null;
    latest: string | null;
    vulnerabilities: number;
    worst: string | null;
    endOfLife: boolean;
  }[];
}

/**
 * What a run would do, and, over SSH, whether it can: the tools its steps need, and what the site
 * runs that is outdated, vulnerable or end of life (offline knowledge plus any refreshed copy).
 */
async function planOf(core: Core, config: Config, site: string, spec: RunSpec, jobs: string[], dataDir: string): Promise<Plan> {
  const plan: Plan = {
    site,
    ssh: describeTarget(spec.ssh),
    backups: spec.rollback.kind === 'backup' ? jobs : [],
    pages: spec.pages.map((p) => p.url),
    steps: spec.steps.map(describeStep),
    rollback: spec.rollback.kind === 'backup' ? `restore the backups of ${jobs.join(', ')}` : spec.rollback.command,
  };
  const ssh = await openSsh(connectionOf(spec.ssh));
  try {
    const tools = [...new Set(spec.steps.flatMap((s) => (stepTypeOf(s).requires ? [stepTypeOf(s).requires!.join(' ')] : [])))];
    plan.checks = [];
    for (const tool of tools) {
      const r = await ssh.exec(`${tool.split(' ').map(shellQuote).join(' ')} </dev/null`, { maxBytes: 4096, timeoutMs: 15_000 });
      plan.checks.push({ tool: tool.split(' ')[0]!, found: r.code === 0 });
    }
    const history = new InventoryService(core.storage.db, core.clock);
    const siteId = await history.siteId(site);
    const policies = new UpdatePolicies(core.storage.db, core.clock, config.updates);
    await policies.refresh();
    const incidents = incidentsService(core, config).service;
    const { components, kept } = await refreshInventory(
      {
        db: core.storage.db,
        clock: core.clock,
        dataDir,
        open: (input, author, origin) => incidents.open(input, author, origin),
        resolve: (id, by, reason) => incidents.resolve(id, by, reason),
      },
      ssh,
      spec.ssh,
      { id: siteId, name: site },
      policyFor(policies.config, (await core.sites.getSite(siteId)).spec),
    );
    const d = kept.diff;
    plan.inventory = {
      id: kept.id,
      components: components.length,
      changed: d
        ? [
            ...d.added.map((c) => `+ ${c.ecosystem} ${c.name} ${c.versions.join(', ')}`),
            ...d.removed.map((c) => `- ${c.ecosystem} ${c.name} ${c.versions.join(', ')}`),
            ...d.changed.map((c) => `~ ${c.ecosystem} ${c.name} ${c.from.join(', ')} → ${c.to.join(', ')}`),
          ]
        : [],
    };
    plan.pending = components
      .filter((c) => isOutdated(c) || c.vulnerabilities.length > 0 || c.endOfLife)
      .map((c) => ({
        ecosystem: c.ecosystem,
        name: c.name,
        version: c.version ?? null,
        latest: c.latest ?? null,
        vulnerabilities: c.vulnerabilities.length,
        worst: worstSeverity(c.vulnerabilities) ?? null,
        endOfLife: Boolean(c.endOfLife),
      }));
  } finally {
    await ssh.close();
  }
  return plan;
}

function printPlan(plan: Plan, dryRun: boolean): void {
  const lines = [
    `${dryRun ? 'Dry run: would update' : 'Update plan of'} ${plan.site} (${plan.ssh})`,
    `  1. open a maintenance window (alerts held, status pages told)`,
    `  2. back up: ${plan.backups.length ? plan.backups.join(', ') : 'nothing (rollback by command)'}`,
    `  3. capture and check: ${plan.pages.join(', ')}`,
    ...plan.steps.map((s, i) => `  4.${i + 1} ${s}`),
    `  5. verify the same pages and the monitors; on failure: ${plan.rollback}, then verify again`,
    `  6. close the window and record the run`,
  ];
  if (plan.inventory)
    lines.push(
      `Inventory ${plan.inventory.id} kept (${plan.inventory.components} components)${plan.inventory.changed.length ? '; changed since the previous one:' : ''}`,
      ...plan.inventory.changed.map((c) => `  ${c}`),
    );
  for (const c of plan.checks ?? []) lines.push(`  ${c.found ? '✓' : '✗'} ${c.tool} ${c.found ? 'found' : 'not found on the server'}`);
  if (plan.pending) {
    lines.push(plan.pending.length ? 'Outdated, vulnerable or end of life now:' : 'Nothing outdated, vulnerable or end of life is known.');
    for (const p of plan.pending) {
      const notes = [
        p.latest && p.latest !== p.version ? `latest ${p.latest}` : '',
        p.vulnerabilities ? `${p.vulnerabilities} vulnerabilities (worst: ${p.worst})` : '',
        p.endOfLife ? 'end of life' : '',
      ];
      lines.push(`  ${p.ecosystem.padEnd(17)} ${p.name.padEnd(28)} ${(p.version ?? '?').padEnd(12)} ${notes.filter(Boolean).join('; ')}`.trimEnd());
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

function printRun(run: RunRecord): void {
  const lines = [`Update run ${run.id}: ${run.status}${run.reason ? ` (${run.reason})` : ''}`];
  for (const s of run.steps) lines.push(`  ${s.status === 'ok' ? '✓' : '✗'} ${s.phase.padEnd(24)} ${s.title}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs `upkeep updates plan <site>`; loaded only then (see cli/main.ts). */
export async function plan(site: string, opts: UpdatesOptions): Promise<void> {
  const env = readEnvironment();
  const loaded = await readConfigOption(opts.config, env, true);
  const { spec } = await readSpec(opts.spec);
  const plan = await withCore(opts.dataDir, async (core) => {
    const runs = createUpdateRuns(core, loaded!.config, {
      dataDir: opts.dataDir,
      allowPrivate: false,
      maintenance: new MaintenanceService(core.storage.db, core.clock),
      openIncident: () => Promise.reject(new Error('a plan opens no incident')),
    });
    return planOf(
      core,
      loaded!.config,
      site,
      spec,
      runs.preflight(site, spec).map((j) => j.name),
      opts.dataDir,
    );
  });
  if (opts.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else printPlan(plan, false);
}

/** Runs `upkeep updates run <site>`; loaded only then. */
export async function run(site: string, opts: UpdatesOptions): Promise<number> {
  const env = readEnvironment();
  const loaded = await readConfigOption(opts.config, env, true);
  const config = loaded!.config;
  const { raw, spec } = await readSpec(opts.spec);
  return withCore(opts.dataDir, async (core) => {
    const runs = createUpdateRuns(core, config, {
      dataDir: opts.dataDir,
      allowPrivate: config.network.allowPrivateTargets,
      maintenance: new MaintenanceService(core.storage.db, core.clock),
      openIncident: (input, author) => incidentsService(core, config).service.open(input, author),
      // Its update.* events are queued on the outbox; the running server's sender delivers them.
      updates: config.updates,
      publicUrl: config.server.publicUrl,
    });
    const jobs = runs.preflight(site, spec).map((j) => j.name);
    if (opts.dryRun) {
      const plan = await planOf(core, config, site, spec, jobs, opts.dataDir);
      if (opts.json) process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
      else printPlan(plan, true);
      return plan.checks?.every((c) => c.found) === false ? 1 : 0;
    }
    const run = await runs.run(site, raw);
    if (opts.json) process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    else printRun(run);
    return run.status === 'succeeded' ? 0 : 1;
  });
}
