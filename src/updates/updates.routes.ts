import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { siteRefOf, type Access } from '../accounts/access.js';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParam, idParams, parseId, queryNumber } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import { AppError } from '../lib/errors.js';
import type { Site, SitesService } from '../sites/sites.service.js';
import { componentFacts } from './history.js';
import type { Assessed } from './match.js';
import { updatePolicySchema, type UpdatePolicy } from './policy.js';
import type { RunRecord, UpdateRunsService } from './runs/runs.service.js';
import { screenshotDir } from './runs/runner.js';
import { describeStep } from './runs/steps/index.js';
import type { Verdict } from './runs/verify.js';
import { describeTarget } from './ssh/target.js';
import { approvalOut, approvalsOut, inventoryOut, pendingOut, planBody, planOut, rejectBody, runOut, runsOut } from './updates.openapi.js';
import type { Actor, Approval, UpdatesService, UpdatesSite } from './updates.service.js';
import { approvalStatuses } from './tables.js';
import { knowledgeView, type KnowledgeStatus } from './knowledge.js';

export interface UpdatesRoutesDeps {
  updates: UpdatesService;
  runs: UpdateRunsService;
  sites: SitesService;
  dataDir: string;
  /** How old the knowledge is (as a whole and per source), answered with each inventory. */
  knowledge(): Promise<KnowledgeStatus>;
}

const tag = 'updates';
/** Screenshots and difference images, as the runner names them: nothing else of the folder is served. */
const FILE = /^page-\d{1,2}-[a-z0-9-]{1,40}\.png$/;
const fileParams = z.object({ id: idParam, file: z.string().regex(FILE, 'a file of the run, like page-1-before.png') });
const approvalsQuery = z.object({
  status: z.enum(approvalStatuses).optional(),
  siteId: queryNumber(z.number().int().min(1)).optional(),
  limit: queryNumber(z.number().int().min(1).max(500)).default(100),
});

const sitesOf = (site: Site): UpdatesSite => ({ id: site.id, name: site.spec.name, tags: site.spec.tags });

function actorOf(access: Access): Actor {
  const p = access.principal;
  // A person's label is their email (a token's: "email (API token #3)"); the operator's own tokens have no person.
  return { label: p.label, email: p.userId === null ? null : p.label.split(' ')[0]!, isAdmin: access.isAdmin };
}

const policyView = (p: UpdatePolicy) => z.encode(updatePolicySchema, p);

const componentView = (c: Assessed) => ({
  ...componentFacts(c),
  closed: c.closed !== undefined,
  seen: c.seen,
  vulnerabilities: c.vulnerabilities.map((v) => ({ ...v, url: v.url ?? null })),
});

const verdictView = (v: Verdict | undefined) =>
  v
    ? {
        ok: v.ok,
        problems: v.problems,
        pages: v.pages.map((p) => ({
          url: p.url,
          problems: p.problems,
          ratio: p.ratio ?? null,
          screenshot: p.capture.screenshot ?? null,
          diff: p.diff ?? null,
        })),
      }
    : null;

const runSummaryView = (r: RunRecord) => ({
  id: r.id,
  siteId: r.siteId,
  status: r.status,
  phase: r.phase,
  reason: r.reason,
  createdAt: toIso(r.createdAt),
  finishedAt: r.finishedAt === null ? null : toIso(r.finishedAt),
});

/**
 * The updates of sites in the API (issue 15): inventory, pending updates under the site's policy,
 * a dry-run plan, runs with their steps, screenshots and differences, and the approvals queue.
 * Reading needs the site in reach; asking for a run, an editor there; approving, also one of the
 * policy's approvers (or an admin).
 */
export function updatesRoutes(app: FastifyInstance, deps: UpdatesRoutesDeps): void {
  const siteFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    // Refused as a whole first (403) for those who may change nothing anywhere, before any object is looked up.
    if (need === 'write') accessOf(req).requireSomeWrite();
    const site = await deps.sites.getSite(parseId(req));
    accessOf(req).require(siteRefOf.site(site), need);
    return site;
  };
  const runFor = async (req: FastifyRequest, id: number) => {
    const run = await deps.runs.get(id).catch(() => undefined);
    const site = run && (await deps.sites.getSite(run.siteId).catch(() => undefined));
    if (!run || !site) throw new AppError('not_found', `update run ${id} does not exist`);
    accessOf(req).require(siteRefOf.site(site), 'read', `update run ${id}`);
    return run;
  };
  const approvalFor = async (req: FastifyRequest, need: 'read' | 'write') => {
    if (need === 'write') accessOf(req).requireSomeWrite();
    const id = parseId(req);
    const approval = await deps.updates.get(id);
    const site = await deps.sites.getSite(approval.siteId).catch(() => undefined);
    if (!site) throw new AppError('not_found', `update approval ${id} does not exist`);
    accessOf(req).require(siteRefOf.site(site), need, `update approval ${id}`);
    return { approval, site };
  };
  const approvalView = (a: Approval, siteName: string) => ({
    ...a,
    siteName,
    requestedAt: toIso(a.requestedAt),
    expiresAt: toIso(a.expiresAt),
    decidedAt: a.decidedAt === null ? null : toIso(a.decidedAt),
    waitsFor: a.waitsFor && { window: a.waitsFor.window, next: a.waitsFor.next === null ? null : toIso(a.waitsFor.next) },
  });

  app.get(
    '/sites/:id/updates/inventory',
    {
      schema: operation({
        tag,
        summary:
          "What the site runs: the newest inventory from inside (SSH) and from outside, with each component's newest version, end of life and vulnerabilities, and how old the knowledge is",
        params: idParams,
        ok: { 200: inventoryOut },
      }),
    },
    async (req) => {
      const site = await siteFor(req, 'read');
      const data = await deps.updates.inventory(site.id);
      return {
        data: data.map((i) => ({ ...i, takenAt: toIso(i.takenAt), checkedAt: toIso(i.checkedAt), components: i.components.map(componentView) })),
        knowledge: knowledgeView(await deps.knowledge()),
      };
    },
  );

  app.get(
    '/sites/:id/updates/pending',
    {
      schema: operation({
        tag,
        summary: "The updates the site's components call for, as its policy sees them, and the runs it would make of them",
        params: idParams,
        ok: { 200: pendingOut },
      }),
    },
    async (req) => {
      const site = sitesOf(await siteFor(req, 'read'));
      const pending = await deps.updates.pending(site);
      return {
        policy: policyView(pending.policy),
        setUp: deps.updates.setupOf(site) !== null,
        inventoryId: pending.inventoryId,
        updates: pending.updates,
        runs: pending.runs.map((r) => ({ steps: r.steps.map((s) => describeStep(s)), updates: r.updates })),
      };
    },
  );

  app.post(
    '/sites/:id/updates/plan',
    {
      schema: operation({
        tag,
        summary: 'Dry run (editors of the site): the run that would be made (steps, pages, backups, rollback, who approves); changes nothing',
        params: idParams,
        body: planBody,
        ok: { 200: planOut },
      }),
    },
    async (req) => {
      // A dry run is for those who may ask for the run itself.
      const site = sitesOf(await siteFor(req, 'write'));
      const body = parseInput(planBody, req.body ?? {});
      const { plan, setup, approval } = await deps.updates.preview(site, body.steps);
      const jobs = deps.runs.jobsFor(site.name, { ...setup, steps: plan.steps }).map((j) => j.name);
      return {
        site: site.name,
        target: describeTarget(setup.ssh),
        steps: plan.steps.map(describeStep),
        updates: plan.updates,
        pages: setup.pages.map((p) => p.url),
        backupJobs: setup.rollback.kind === 'backup' ? jobs : [],
        rollback: setup.rollback.kind === 'backup' ? `restore the backups of ${jobs.join(', ')}` : 'the rollback command of upkeep.yaml',
        approval,
      };
    },
  );

  app.get(
    '/sites/:id/updates/runs',
    { schema: operation({ tag, summary: "The site's update runs, newest first", params: idParams, ok: { 200: runsOut } }) },
    async (req) => {
      const site = await siteFor(req, 'read');
      return { data: (await deps.runs.list(site.id, 50)).map(runSummaryView) };
    },
  );

  app.post(
    '/sites/:id/updates/runs',
    {
      schema: operation({
        tag,
        summary:
          "Asks for an update run (the steps given, or the site's pending updates): it starts now when the policy approves automatically, else it waits in the approvals queue",
        params: idParams,
        body: planBody,
        ok: { 202: approvalOut },
        errors: [409],
      }),
    },
    async (req, reply) => {
      const site = sitesOf(await siteFor(req, 'write'));
      const body = parseInput(planBody, req.body ?? {});
      const approval = await deps.updates.request(site, actorOf(accessOf(req)), body.steps);
      return reply.status(202).send(approvalView(approval, site.name));
    },
  );

  app.get(
    '/update-runs/:id',
    {
      schema: operation({ tag, summary: 'An update run: its steps with their output, events, verification and files', params: idParams, ok: { 200: runOut } }),
    },
    async (req) => {
      const run = await runFor(req, parseId(req));
      const files = await readdir(screenshotDir(deps.dataDir, run.id)).catch(() => [] as string[]);
      return {
        ...runSummaryView(run),
        steps: run.steps.map((s) => ({
          ...s,
          status: s.status as 'ok',
          startedAt: toIso(s.startedAt),
          finishedAt: s.finishedAt === null ? null : toIso(s.finishedAt),
        })),
        events: run.events.map((e) => ({ event: e.event, occurredAt: e.occurredAt })),
        after: verdictView(run.state.after),
        afterRollback: verdictView(run.state.afterRollback),
        incidentId: run.state.incidentId ?? null,
        files: files.filter((f) => FILE.test(f)).sort(),
      };
    },
  );

  app.get(
    '/update-runs/:id/files/:file',
    {
      schema: operation({
        tag,
        summary: "A screenshot or difference image of an update run (PNG), for those who may read the run's site",
        params: fileParams,
        ok: { 200: { description: 'The image', media: ['image/png'], schema: { type: 'string', contentEncoding: 'binary' } } },
      }),
    },
    async (req, reply) => {
      // The run's reach is checked before the name: out of reach is 404 whatever is asked for.
      const run = await runFor(req, parseId(req));
      const { id, file } = parseInput(fileParams, req.params);
      const png = await readFile(join(screenshotDir(deps.dataDir, run.id), file)).catch(() => undefined);
      if (!png) throw new AppError('not_found', `update run ${id} has no file ${file}`);
      return reply.header('cache-control', 'private, max-age=3600').header('x-content-type-options', 'nosniff').type('image/png').send(png);
    },
  );

  app.get(
    '/update-approvals',
    {
      schema: operation({
        tag,
        summary: 'The approvals queue: planned update runs (waiting by default), of the sites in reach',
        query: approvalsQuery,
        ok: { 200: approvalsOut },
      }),
    },
    async (req) => {
      const q = parseInput(approvalsQuery, req.query);
      const access = accessOf(req);
      const names = new Map((await deps.sites.siteRefs()).map((s) => [s.id, s.name]));
      const list = await deps.updates.list({ status: q.status ?? 'pending', siteId: q.siteId, siteIds: await access.visibleSites(), limit: q.limit });
      return { data: list.map((a) => approvalView(a, names.get(a.siteId) ?? `site ${a.siteId}`)) };
    },
  );

  app.get(
    '/update-approvals/:id',
    { schema: operation({ tag, summary: 'A planned update run and its decision', params: idParams, ok: { 200: approvalOut } }) },
    async (req) => {
      const { approval, site } = await approvalFor(req, 'read');
      return approvalView(approval, site.spec.name);
    },
  );

  app.post(
    '/update-approvals/:id/approve',
    {
      schema: operation({
        tag,
        summary:
          "Approves a planned run (an editor of the site who is one of its policy's approvers, or an admin); the run starts now, or when the policy's maintenance window opens (status waiting)",
        params: idParams,
        ok: { 200: approvalOut },
        errors: [409],
      }),
    },
    async (req) => {
      const { site } = await approvalFor(req, 'write');
      return approvalView(await deps.updates.approve(parseId(req), sitesOf(site), actorOf(accessOf(req))), site.spec.name);
    },
  );

  app.post(
    '/update-approvals/:id/reject',
    {
      schema: operation({
        tag,
        summary: 'Rejects a planned run, with an optional reason',
        params: idParams,
        body: rejectBody,
        ok: { 200: approvalOut },
        errors: [409],
      }),
    },
    async (req) => {
      const { site } = await approvalFor(req, 'write');
      const body = parseInput(rejectBody, req.body ?? {});
      return approvalView(await deps.updates.reject(parseId(req), sitesOf(site), actorOf(accessOf(req)), body.reason), site.spec.name);
    },
  );
}
