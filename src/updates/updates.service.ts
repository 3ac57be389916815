import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseInput } from '../config/validate.js';
import type { Database } from '../db/types.js';
import type { Clock } from '../lib/clock.js';
import { AppError, describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { ApprovalLinks } from './approval-links.js';
import { ApprovalsRepository, type ApprovalRow } from './approvals.repository.js';
import type { Ecosystem } from './component.js';
import { InventoriesRepository } from './inventories.repository.js';
import type { Assessed } from './match.js';
import { queueUpdateMessages, type UpdateMessage } from './messages.js';
import { groupRuns, pendingUpdates, type PendingUpdate } from './pending.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import type { MaintenanceSpec } from '../incidents/incidents.schema.js';
import type { UpdatePolicies } from './policies.service.js';
import { policyFor, type UpdatePolicy, type UpdateSite } from './policy.js';
import { startOf, type Start } from './windows.js';
import type { UpdateRunsService } from './runs/runs.service.js';
import { runSpecSchema, type RunSpec } from './runs/spec.js';
import { describeStep, type UpdateStep } from './runs/steps/index.js';
import type { Knowledge } from './snapshot/format.js';
import { requestedSteps } from './steps-input.js';
import type { ApprovalStatus } from './tables.js';
import { SitesRepository } from '../sites/sites.repository.js';

/** A site as the updates faces need it. */
export interface UpdatesSite {
  id: number;
  name: string;
  tags: readonly string[];
}

/** Who asks or decides: their label for the record, their email (when they are a person) for the policy's approvers. */
export interface Actor {
  label: string;
  email: string | null;
  isAdmin: boolean;
}

export interface Plan {
  steps: UpdateStep[];
  /** The updates the steps make (empty when the steps were chosen by hand). */
  updates: PendingUpdate[];
}

export interface Approval {
  id: number;
  siteId: number;
  status: ApprovalStatus;
  steps: string[];
  updates: PendingUpdate[];
  requestedBy: string;
  requestedAt: number;
  expiresAt: number;
  decidedBy: string | null;
  decidedAt: number | null;
  reason: string | null;
  runId: number | null;
  /** Approved, waiting for the policy's maintenance window (`status: waiting`): its name and next opening (null: none to come). */
  waitsFor: { window: string; next: number | null } | null;
}

const APPROVAL_TTL_MS = 7 * 86_400_000;

export interface UpdatesServiceDeps {
  db: Kysely<Database>;
  clock: Clock;
  log: Logger;
  /** The policies in force (the file's and the API's) and the file's update sites. */
  policies: UpdatePolicies;
  runs: UpdateRunsService;
  links: ApprovalLinks;
  /** The knowledge's newest releases with their dates, for the minimum release age. */
  latestReleases(): Promise<Knowledge['latest']>;
  publicUrl?: string | undefined;
  /** Wakes the outbox sender after messages were queued. */
  wake(): void;
}

const canonical = (plan: Plan, siteId: number) =>
  JSON.stringify({ siteId, steps: plan.steps, updates: plan.updates.map((u) => [u.ecosystem, u.name, u.version, u.to]) });

/**
 * The updates faces: a site's inventory and pending updates as its policy sees them, planned runs
 * waiting for approval (in the dashboard or through a signed link), and the runs they start.
 */
export class UpdatesService {
  private readonly approvals: ApprovalsRepository;
  private readonly inventories: InventoriesRepository;
  private readonly windows: ConfigObjectsRepository;

  constructor(private readonly deps: UpdatesServiceDeps) {
    this.approvals = new ApprovalsRepository(deps.db);
    this.inventories = new InventoriesRepository(deps.db);
    this.windows = new ConfigObjectsRepository(deps.db);
  }

  policyOf(site: UpdatesSite): UpdatePolicy {
    return policyFor(this.deps.policies.config, site);
  }

  /** The site's `updates.sites` entry, or null when it is not set up for update runs. */
  setupOf(site: UpdatesSite): UpdateSite | null {
    return this.deps.policies.config.sites.find((s) => s.site === site.name) ?? null;
  }

  /** The newest inventory of each source (inside over SSH, outside), with its components. */
  async inventory(
    siteId: number,
  ): Promise<{ id: number; source: string; target: string; takenAt: number; checkedAt: number; knowledgeBuiltAt: string; components: Assessed[] }[]> {
    const out = [];
    for (const source of ['ssh', 'outside'] as const) {
      const row = await this.inventories.latest(siteId, source);
      if (!row) continue;
      const components = (await this.inventories.components(row.id)).map((r) => JSON.parse(r.detail) as Assessed);
      out.push({
        id: row.id,
        source,
        target: row.target,
        takenAt: row.taken_at,
        checkedAt: row.checked_at,
        knowledgeBuiltAt: row.knowledge_built_at,
        components,
      });
    }
    return out;
  }

  /** What the site runs that calls for an update, as its policy sees it, and the runs that would make them. */
  async pending(site: UpdatesSite): Promise<{ policy: UpdatePolicy; inventoryId: number | null; updates: PendingUpdate[]; runs: Plan[] }> {
    await this.deps.policies.refresh();
    const policy = this.policyOf(site);
    const [inside, outside] = [await this.inventories.latest(site.id, 'ssh'), await this.inventories.latest(site.id, 'outside')];
    const row = inside ?? outside;
    if (!row) return { policy, inventoryId: null, updates: [], runs: [] };
    const components = (await this.inventories.components(row.id)).map((r) => JSON.parse(r.detail) as Assessed);
    const latest = await this.deps.latestReleases();
    const releasedAt = (ecosystem: Ecosystem, name: string, version: string) =>
      latest[ecosystem]?.[name]?.version === version ? latest[ecosystem]?.[name]?.date : undefined;
    const updates = pendingUpdates(components, policy, releasedAt, this.deps.clock.now());
    const setup = this.setupOf(site);
    return { policy, inventoryId: row.id, updates, runs: groupRuns(updates, policy, setup ?? { wordpress: 'wp-cli' }) };
  }

  /** The run that would be made: its steps as the server would run them, its pages, backups and rollback. Changes nothing. */
  async preview(site: UpdatesSite, steps?: unknown): Promise<{ plan: Plan; setup: UpdateSite; spec: RunSpec; approval: 'auto' | string[] }> {
    await this.deps.policies.refresh();
    const setup = this.requireSetup(site);
    const plan = await this.planFor(site, steps);
    const policy = this.policyOf(site);
    const spec = this.specOf(setup, plan);
    this.deps.runs.preflight(site.name, spec);
    return { plan, setup, spec, approval: policy.approve === 'auto' ? 'auto' : policy.approve.people };
  }

  /**
   * Plans a run (the steps given, or the site's pending updates): recorded as a request that its
   * policy approves at once (`approve: auto`) or that waits in the approvals queue, told to the
   * policy's channels with a signed approval link. A newer plan of the site replaces a waiting one.
   */
  async request(site: UpdatesSite, actor: Actor, steps?: unknown): Promise<Approval> {
    const { plan } = await this.preview(site, steps);
    const policy = this.policyOf(site);
    const now = this.deps.clock.now();
    const planHash = createHash('sha256').update(canonical(plan, site.id)).digest('hex');
    const row = {
      site_id: site.id,
      status: 'pending' as const,
      plan: JSON.stringify(plan),
      plan_hash: planHash,
      requested_by: actor.label,
      requested_at: now,
      expires_at: now + APPROVAL_TTL_MS,
      decided_by: null,
      decided_at: null,
      reason: null,
      run_id: null,
      wait_window: null,
      starts_at: null,
    };
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const repo = new ApprovalsRepository(trx);
      await repo.supersede(site.id, now);
      const id = await repo.insert(row);
      const waiting = policy.approve !== 'auto';
      const link = waiting ? this.linkOf({ ...row, id }) : null;
      await this.tell(
        trx,
        [
          {
            event: 'update.planned',
            siteId: site.id,
            key: `upkeep-update-plan-${id}`,
            title: `Updates planned for ${site.name}${waiting ? ': approval needed' : ''}`,
            summary: [
              `Asked by ${actor.label}`,
              ...plan.steps.map(describeStep),
              waiting ? `Approve or reject: ${link ?? 'in the dashboard (server.publicUrl is not set)'}` : '',
            ]
              .filter(Boolean)
              .join('\n')
              .slice(0, 2_000),
            ...(link ? { url: link } : {}),
          },
        ],
        now,
      );
      return id;
    });
    this.deps.wake();
    if (policy.approve === 'auto') return this.approveRow((await this.approvals.get(id))!, `policy ${policy.name} (auto)`);
    return this.get(id);
  }

  async get(id: number): Promise<Approval> {
    const row = await this.approvals.get(id);
    if (!row) throw new AppError('not_found', `update approval ${id} does not exist`);
    return this.view(row);
  }

  /** The site an approval belongs to, for access checks. */
  async siteIdOf(id: number): Promise<number> {
    return (await this.get(id)).siteId;
  }

  async list(filter: { status?: ApprovalStatus | undefined; siteId?: number | undefined; siteIds: Set<number> | 'all'; limit: number }): Promise<Approval[]> {
    await this.approvals.expire(this.deps.clock.now());
    return (await this.approvals.list(filter)).map((r) => this.view(r));
  }

  /** Approves a waiting plan as a person: one of the policy's approvers, or an admin. The run starts now, or in the policy's window. */
  async approve(id: number, site: UpdatesSite, actor: Actor): Promise<Approval> {
    await this.deps.policies.refresh();
    const row = await this.pendingRow(id);
    this.requireApprover(site, actor);
    return this.approveRow(row, actor.label);
  }

  async reject(id: number, site: UpdatesSite, actor: Actor, reason: string | undefined): Promise<Approval> {
    await this.deps.policies.refresh();
    const row = await this.pendingRow(id);
    this.requireApprover(site, actor);
    const now = this.deps.clock.now();
    if (!(await this.approvals.decide(row.id, row.plan_hash, { status: 'rejected', decided_by: actor.label, decided_at: now, reason: reason ?? null })))
      throw new AppError('conflict', `update approval ${id} was decided meanwhile`);
    return this.get(id);
  }

  /** What a signed link would approve (its confirm page), checked like the approval itself. */
  async linkTarget(token: string): Promise<{ approval: Approval; row: ApprovalRow }> {
    const row = await this.approvals.get(this.deps.links.idOf(token));
    this.deps.links.check(token, row, this.deps.clock.now());
    if (row.status !== 'pending')
      throw new AppError('conflict', `this update was already ${row.status === 'approved' || row.status === 'waiting' ? 'approved' : row.status}`);
    return { approval: this.view(row), row };
  }

  /** Approves through a signed link (POST only): once, for the plan it was signed for, before it expires. */
  async approveByLink(token: string): Promise<Approval> {
    await this.deps.policies.refresh();
    const { row } = await this.linkTarget(token);
    return this.approveRow(row, 'signed approval link');
  }

  private async approveRow(row: ApprovalRow, by: string): Promise<Approval> {
    const now = this.deps.clock.now();
    if (!(await this.approvals.decide(row.id, row.plan_hash, { status: 'approved', decided_by: by, decided_at: now, reason: null })))
      throw new AppError('conflict', `update approval ${row.id} was decided meanwhile`);
    const site = await this.siteOf(row.site_id);
    const plan = JSON.parse(row.plan) as Plan;
    await this.deps.db.transaction().execute((trx) =>
      this.tell(
        trx,
        [
          {
            event: 'update.approved',
            siteId: site.id,
            key: `upkeep-update-plan-${row.id}`,
            title: `Updates of ${site.name} approved by ${by}`,
            summary: plan.steps.map(describeStep).join('\n').slice(0, 2_000),
          },
        ],
        now,
      ),
    );
    await this.startOrWait(row, site, plan, now);
    this.deps.wake();
    return this.get(row.id);
  }

  /**
   * Starts the run of an approved plan, or queues it for its policy's maintenance window (stored, so
   * a restart keeps the queue; `startWaiting` starts it when the window opens).
   */
  private async startOrWait(row: ApprovalRow, site: UpdatesSite, plan: Plan, now: number): Promise<void> {
    const start = await this.startOf(site, plan, now);
    if (start.now) return this.startRun(row, site, plan);
    if (start.next === null) {
      await this.approvals.settle(row.id, { status: 'failed', reason: `the maintenance window "${start.window}" does not exist or has no occurrence to come` });
      return;
    }
    const next = start.next;
    await this.deps.db.transaction().execute(async (trx) => {
      await new ApprovalsRepository(trx).settle(row.id, { status: 'waiting', wait_window: start.window, starts_at: next });
      await this.tell(
        trx,
        [
          {
            event: 'update.waiting',
            siteId: site.id,
            key: `upkeep-update-plan-${row.id}`,
            title: `Updates of ${site.name} wait for the maintenance window ${start.window}`,
            summary: [`The run starts when the window opens: ${new Date(next).toISOString()}`, ...plan.steps.map(describeStep)].join('\n').slice(0, 2_000),
          },
        ],
        now,
      );
    });
  }

  private async startOf(site: UpdatesSite, plan: Plan, now: number): Promise<Start> {
    const policy = this.policyOf(site);
    const window = policy.when === undefined ? undefined : await this.windows.getByName('maintenance', policy.when);
    return startOf(policy, plan.updates, window && (JSON.parse(window.spec) as MaintenanceSpec), now);
  }

  private async startRun(row: ApprovalRow, site: UpdatesSite, plan: Plan): Promise<void> {
    try {
      const setup = this.requireSetup(site);
      const runId = await this.deps.runs.start(site.name, z.encode(runSpecSchema, this.specOf(setup, plan)));
      await this.approvals.settle(row.id, { run_id: runId });
    } catch (err) {
      this.deps.log.warn({ err, approval: row.id }, 'an approved update run could not start');
      await this.approvals.settle(row.id, { status: 'failed', reason: `the run could not start: ${describeError(err)}` });
    }
  }

  /**
   * Starts the approved runs whose maintenance window is open now (once each: the row is claimed
   * first, so two callers never start one twice) and moves the others' next opening along. Returns
   * the approvals whose runs were started or failed to start.
   */
  async startWaiting(): Promise<number[]> {
    await this.deps.policies.refresh();
    const started: number[] = [];
    for (const row of await this.approvals.waiting()) {
      const now = this.deps.clock.now();
      const site = await this.siteOf(row.site_id).catch(() => undefined);
      if (!site) continue;
      const plan = JSON.parse(row.plan) as Plan;
      const start = await this.startOf(site, plan, now);
      if (start.now) {
        if (!(await this.approvals.claimWaiting(row.id))) continue;
        await this.startRun(row, site, plan);
        started.push(row.id);
      } else if (start.next === null || start.next !== row.starts_at || start.window !== row.wait_window) {
        await this.approvals.settle(
          row.id,
          start.next === null
            ? { status: 'failed', reason: `the maintenance window "${start.window}" does not exist or has no occurrence to come` }
            : { wait_window: start.window, starts_at: start.next },
        );
      }
    }
    if (started.length) this.deps.wake();
    return started;
  }

  /** The soonest start of a waiting run, for the scheduler's next look (undefined: none waits). */
  async nextStart(): Promise<number | undefined> {
    const starts = (await this.approvals.waiting()).flatMap((r) => (r.starts_at === null ? [] : [r.starts_at]));
    return starts.length ? Math.min(...starts) : undefined;
  }

  private async pendingRow(id: number): Promise<ApprovalRow> {
    await this.approvals.expire(this.deps.clock.now());
    const row = await this.approvals.get(id);
    if (!row) throw new AppError('not_found', `update approval ${id} does not exist`);
    if (row.status !== 'pending') throw new AppError('conflict', `update approval ${id} is ${row.status}, not waiting`);
    return row;
  }

  /** Refuses an actor who may not approve the site's updates: only the policy's people, or an admin. */
  requireApprover(site: UpdatesSite, actor: Actor): void {
    const policy = this.policyOf(site);
    if (policy.approve === 'auto' || actor.isAdmin) return;
    const people = policy.approve.people.map((p) => p.toLowerCase());
    if (!actor.email || !people.includes(actor.email.toLowerCase()))
      throw new AppError('forbidden', `the policy ${policy.name} lets only ${policy.approve.people.join(', ')} (or an admin) approve updates of this site`);
  }

  /** The site's `updates.sites` entry; a clear error naming that key when there is none. */
  requireSetup(site: UpdatesSite): UpdateSite {
    const setup = this.setupOf(site);
    if (!setup) throw new AppError('invalid_input', `site "${site.name}" is not set up for update runs: give it an entry under updates.sites in upkeep.yaml`);
    return setup;
  }

  private async planFor(site: UpdatesSite, steps: unknown): Promise<Plan> {
    if (steps !== undefined) return { steps: parseInput(requestedSteps, steps), updates: [] };
    const { runs } = await this.pending(site);
    if (!runs.length) throw new AppError('invalid_input', `nothing to update on site "${site.name}" that its policy lets through; name the steps to run`);
    return runs[0]!;
  }

  private specOf(setup: UpdateSite, plan: Plan): RunSpec {
    const { site: _site, policy: _policy, wordpress: _wordpress, inventory: _inventory, ...spec } = setup;
    return { ...spec, steps: plan.steps };
  }

  private linkOf(row: ApprovalRow): string | null {
    const base = this.deps.publicUrl?.replace(/\/+$/, '');
    return base ? `${base}/update-approval/${this.deps.links.sign(row.id, row.plan_hash, row.expires_at)}` : null;
  }

  private async siteOf(siteId: number): Promise<UpdatesSite> {
    const site = await new SitesRepository(this.deps.db).getSite(siteId);
    if (!site) throw new AppError('not_found', `site ${siteId} does not exist`);
    return { id: site.id, name: site.name, tags: (JSON.parse(site.spec) as { tags?: string[] }).tags ?? [] };
  }

  private tell(trx: Kysely<Database>, messages: UpdateMessage[], now: number): Promise<number> {
    return queueUpdateMessages(trx, this.deps.policies.config, this.deps.publicUrl, messages, now);
  }

  private view(row: ApprovalRow): Approval {
    const plan = JSON.parse(row.plan) as Plan;
    return {
      id: row.id,
      siteId: row.site_id,
      status: row.status,
      steps: plan.steps.map(describeStep),
      updates: plan.updates,
      requestedBy: row.requested_by,
      requestedAt: row.requested_at,
      expiresAt: row.expires_at,
      decidedBy: row.decided_by,
      decidedAt: row.decided_at,
      reason: row.reason,
      runId: row.run_id,
      waitsFor: row.status === 'waiting' && row.wait_window !== null ? { window: row.wait_window, next: row.starts_at } : null,
    };
  }
}
