import { readFile } from 'node:fs/promises';
import { AccountsRepository } from '../../accounts/accounts.repository.js';
import type { Core } from '../../app.js';
import { parse as parseYaml } from 'yaml';
import { openSsh, shellQuote } from '../../backups/sftp-connection.js';
import { readEnvironment } from '../../config/env.js';
import { parseInput } from '../../config/validate.js';
import { incidentsService } from '../../incidents/index.js';
import { MaintenanceService } from '../../incidents/maintenance.service.js';
import { AppError, describeError } from '../../lib/errors.js';
import { createUpdateRuns, createUpdates } from '../../updates/index.js';
import { refreshInventory } from '../../updates/inventory-refresh.js';
import { UpdatePolicies } from '../../updates/policies.service.js';
import type { Config } from '../../config-file.js';
import { isOutdated, worstSeverity } from '../../updates/match.js';
import type { RunRecord, UpdateRunsService } from '../../updates/runs/runs.service.js';
import { runSpecSchema, type RunSpec } from '../../updates/runs/spec.js';
import { describeStep, stepTypeOf } from '../../updates/runs/steps/index.js';
import { connectionOf, describeTarget } from '../../updates/ssh/target.js';
import type { Actor, UpdatesService, UpdatesSite } from '../../updates/updates.service.js';
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

interface Faces {
  runs: UpdateRunsService;
  service: UpdatesService;
}

/** The updates faces over the CLI's core: the same service the server plans and approves runs with. */
async function facesOf(core: Core, config: Config, dataDir: string): Promise<Faces> {
  const incidents = incidentsService(core, config).service;
  const runs = createUpdateRuns(core, config, {
    dataDir,
    allowPrivate: config.network.allowPrivateTargets,
    maintenance: new MaintenanceService(core.storage.db, core.clock),
    openIncident: (input, author) => incidents.open(input, author),
    // Its update.* events are queued on the outbox; the running server's sender delivers them.
    updates: config.updates,
    publicUrl: config.server.publicUrl,
  });
  const policies = new UpdatePolicies(core.storage.db, core.clock, config.updates);
  await policies.refresh();
  const { service } = createUpdates(core, policies, runs, {
    publicUrl: config.server.publicUrl,
    wake: () => undefined,
    incidents: { open: (input, author, origin) => incidents.open(input, author, origin), resolve: (id, by, reason) => incidents.resolve(id, by, reason) },
    net: { allowPrivate: config.network.allowPrivateTargets, resolvers: config.network.resolvers },
  });
  return { runs, service };
}

async function siteNamed(core: Core, name: string): Promise<UpdatesSite> {
  const site = await core.sites.findSite(name);
  if (!site) throw new AppError('not_found', `site "${name}" does not exist (sites: in upkeep.yaml, then upkeep apply)`);
  return { id: site.id, name: site.spec.name, tags: site.spec.tags };
}

interface Planned {
  plan: Plan;
  /** The run: the spec file's, or the one the server would make of the pending updates (null: nothing the policy lets through). */
  spec: RunSpec | null;
  approval: 'auto' | string[];
}

/**
 * What a run would do, and, over SSH, whether it can: reads the site's inventory first (kept in its
 * history), then takes the spec file's run, or plans the one the server would make of the pending
 * updates its policy lets through; checks the tools its steps need; lists what is outdated,
 * vulnerable or end of life now (offline knowledge plus any refreshed copy).
 */
async function planOf(core: Core, config: Config, faces: Faces, site: UpdatesSite, file: RunSpec | undefined, dataDir: string): Promise<Planned> {
  const { runs, service } = faces;
  const setup = file ? undefined : service.requireSetup(site);
  // A spec file's backups and rollback are checked before anything is read; the server's plan is checked once made.
  if (file) runs.preflight(site.name, file);
  const target = file?.ssh ?? setup!.ssh;
  const policy = service.policyOf(site);
  const ssh = await openSsh(connectionOf(target));
  try {
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
      target,
      site,
      policy,
    );
    const approval = policy.approve === 'auto' ? 'auto' : policy.approve.people;
    const spec = file ?? ((await service.pending(site)).runs.length ? (await service.preview(site)).spec : null);
    // With nothing to run, the plan still shows where and how a run would go.
    const shown: RunSpec = spec ?? { ...setup!, steps: [] };
    const jobs = runs.preflight(site.name, shown).map((j) => j.name);
    const plan: Plan = {
      site: site.name,
      ssh: describeTarget(target),
      backups: shown.rollback.kind === 'backup' ? jobs : [],
      pages: shown.pages.map((p) => p.url),
      steps: shown.steps.map(describeStep),
      rollback: shown.rollback.kind === 'backup' ? `restore the backups of ${jobs.join(', ')}` : shown.rollback.command,
    };
    const tools = [...new Set(shown.steps.flatMap((s) => (stepTypeOf(s).requires ? [stepTypeOf(s).requires!.join(' ')] : [])))];
    plan.checks = [];
    for (const tool of tools) {
      const r = await ssh.exec(`${tool.split(' ').map(shellQuote).join(' ')} </dev/null`, { maxBytes: 4096, timeoutMs: 15_000 });
      plan.checks.push({ tool: tool.split(' ')[0]!, found: r.code === 0 });
    }
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
    return { plan, spec, approval };
  } finally {
    await ssh.close();
  }
}

function printPlan({ plan, spec, approval }: Planned, dryRun: boolean): void {
  const lines = [
    `${dryRun ? 'Dry run: would update' : 'Update plan of'} ${plan.site} (${plan.ssh})`,
    `  1. open a maintenance window (alerts held, status pages told)`,
    `  2. back up: ${plan.backups.length ? plan.backups.join(', ') : 'nothing (rollback by command)'}`,
    `  3. capture and check: ${plan.pages.join(', ')}`,
    ...(spec ? plan.steps.map((s, i) => `  4.${i + 1} ${s}`) : [`  4. nothing to update that the site's policy lets through`]),
    `  5. verify the same pages and the monitors; on failure: ${plan.rollback}, then verify again`,
    `  6. close the window and record the run`,
    `Approval: ${approval === 'auto' ? 'none needed (the policy approves at once)' : `one of ${approval.join(', ')} (or an admin)`}`,
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
export async function plan(siteName: string, opts: UpdatesOptions): Promise<void> {
  const env = readEnvironment();
  const config = (await readConfigOption(opts.config, env, true))!.config;
  const file = opts.spec === undefined ? undefined : (await readSpec(opts.spec)).spec;
  const planned = await withCore(opts.dataDir, async (core) =>
    planOf(core, config, await facesOf(core, config, opts.dataDir), await siteNamed(core, siteName), file, opts.dataDir),
  );
  if (opts.json) process.stdout.write(`${JSON.stringify(planned.plan, null, 2)}\n`);
  else printPlan(planned, false);
}

/**
 * Who approves a run asked for on the command line: nobody under `approve: auto`; otherwise the
 * account `--approved-by` names, which must be one of the policy's people or an admin — the
 * command line never lets a run through a policy that waits for a person without naming one.
 */
async function approverOf(core: Core, service: UpdatesService, site: UpdatesSite, approvedBy: string | undefined): Promise<Actor | null> {
  const policy = service.policyOf(site);
  if (policy.approve === 'auto') return null;
  if (approvedBy === undefined)
    throw new AppError(
      'forbidden',
      `the policy ${policy.name} needs the approval of ${policy.approve.people.join(', ')} (or an admin) for updates of ${site.name}: ask for the run in the dashboard or the API and approve it in the approvals queue (/updates/approvals), or name the approver with --approved-by <email>`,
    );
  const accounts = new AccountsRepository(core.storage.db);
  const [user] = await accounts.usersByEmails([approvedBy]);
  if (!user || (await accounts.getUser(user.id))?.disabled) throw new AppError('invalid_input', `--approved-by: no active account has the email ${approvedBy}`);
  const actor: Actor = {
    label: `${user.email} (--approved-by on the command line)`,
    email: user.email,
    isAdmin: user.role === 'admin' || user.role === 'owner',
  };
  service.requireApprover(site, actor);
  return actor;
}

/** Runs `upkeep updates run <site>`; loaded only then. */
export async function run(siteName: string, opts: UpdatesOptions): Promise<number> {
  const env = readEnvironment();
  const config = (await readConfigOption(opts.config, env, true))!.config;
  const file = opts.spec === undefined ? undefined : await readSpec(opts.spec);
  return withCore(opts.dataDir, async (core) => {
    const site = await siteNamed(core, siteName);
    const faces = await facesOf(core, config, opts.dataDir);
    const { runs, service } = faces;
    if (opts.dryRun) {
      const planned = await planOf(core, config, faces, site, file?.spec, opts.dataDir);
      if (opts.json) process.stdout.write(`${JSON.stringify(planned.plan, null, 2)}\n`);
      else printPlan(planned, true);
      return planned.plan.checks?.every((c) => c.found) === false ? 1 : 0;
    }
    let record: RunRecord;
    if (file) {
      // A spec file is the operator's own run: it is not a plan of pending updates, so no request is recorded.
      runs.preflight(site.name, file.spec);
      record = await runs.run(site.name, file.raw);
    } else {
      const { spec } = await planOf(core, config, faces, site, undefined, opts.dataDir);
      if (!spec) {
        process.stdout.write(`Nothing to update on ${site.name} that its policy lets through; no run started.\n`);
        return 0;
      }
      const approver = await approverOf(core, service, site, opts.approvedBy);
      // The same request as the API's: recorded, told to the policy's channels, approved, then started (or queued for its window).
      let approval = await service.request(site, { label: 'upkeep updates run (command line)', email: null, isAdmin: false });
      if (approver) approval = await service.approve(approval.id, site, approver);
      if (approval.status === 'failed') throw new AppError('conflict', `update request ${approval.id}: ${approval.reason}`);
      if (approval.status === 'waiting') {
        const next = approval.waitsFor?.next;
        process.stdout.write(
          `Update request ${approval.id} approved; its run waits for the maintenance window ${approval.waitsFor?.window} (opens ${next ? new Date(next).toISOString() : 'later'}); the running server starts it then.\n`,
        );
        return 0;
      }
      record = await runs.finished(approval.runId!);
    }
    if (opts.json) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
    else printRun(record);
    return record.status === 'succeeded' ? 0 : 1;
  });
}
