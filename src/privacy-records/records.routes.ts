import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { siteRefOf } from '../accounts/access.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, parseId } from '../http/schema.js';
import { actorOf } from '../incidents/incidents.routes.js';
import type { Clock } from '../lib/clock.js';
import { toIso } from '../lib/clock.js';
import type { SitesService } from '../sites/sites.service.js';
import { recordsDocument } from './export.js';
import type { TaskRow } from './records.repository.js';
import { dpaStates, legalBases, recordsInput } from './records.schema.js';
import type { PrivacyRecordsService, SiteRecords } from './records.service.js';
import { privacyTaskKinds } from './tables.js';

const iso = z.iso.datetime({ offset: true });
const taskOut = z.object({
  id: z.number().int(),
  siteId: z.number().int(),
  kind: z.enum(privacyTaskKinds),
  subject: z.string(),
  summary: z.string(),
  state: z.enum(['open', 'done']),
  createdAt: iso,
  doneAt: iso.nullable(),
  doneBy: z.string().nullable(),
});
const recordsOut = z.object({
  siteId: z.number().int(),
  controller: z.object({ name: z.string().optional(), contact: z.string().optional() }),
  purposes: z.array(
    z.object({
      name: z.string(),
      legalBasis: z.enum(legalBases),
      dataCategories: z.array(z.string()),
      subjects: z.array(z.string()),
      retention: z.string().optional(),
    }),
  ),
  processors: z.array(
    z.object({ name: z.string(), purpose: z.string().optional(), country: z.string(), dpa: z.enum(dpaStates), domain: z.string().optional() }),
  ),
  notes: z.string(),
  thirdParties: z
    .array(
      z.object({
        domain: z.string(),
        entity: z.string().nullable(),
        categories: z.array(z.string()),
        country: z.string().nullable(),
        firstSeen: iso,
        lastSeen: iso,
        documented: z.boolean().describe('a processor names this domain'),
      }),
    )
    .describe('what the privacy audits saw, kept current by every audit'),
  cookies: z.array(z.object({ name: z.string(), domain: z.string(), firstSeen: iso, lastSeen: iso })),
  tasks: z.array(taskOut).describe('open tasks: new third parties, processors outside the EU/EEA without an agreement'),
  reviewedAt: iso.nullable(),
  updatedAt: iso.nullable(),
  managedBy: z.enum(['config', 'api']).describe('config: written in upkeep.yaml (privacyRecords:), changed only there'),
});

const showTask = (t: TaskRow) => ({
  id: t.id,
  siteId: t.site_id,
  kind: t.kind,
  subject: t.subject,
  summary: t.summary,
  state: t.state,
  createdAt: toIso(Number(t.created_at)),
  doneAt: t.done_at == null ? null : toIso(Number(t.done_at)),
  doneBy: t.done_by,
});
const show = (siteId: number, r: SiteRecords) => ({
  siteId,
  ...r.body,
  thirdParties: r.thirdParties.map((t) => ({
    domain: t.name,
    entity: t.seen.entity ?? null,
    categories: t.seen.categories,
    country: t.seen.country ?? null,
    firstSeen: toIso(Number(t.first_seen)),
    lastSeen: toIso(Number(t.last_seen)),
    documented: t.documented,
  })),
  cookies: r.cookies.map((c) => ({ name: c.seen.name, domain: c.seen.domain, firstSeen: toIso(Number(c.first_seen)), lastSeen: toIso(Number(c.last_seen)) })),
  tasks: r.tasks.map(showTask),
  reviewedAt: r.reviewedAt === null ? null : toIso(r.reviewedAt),
  updatedAt: r.updatedAt === null ? null : toIso(r.updatedAt),
  managedBy: r.managedBy,
});

/** GDPR records in the API: per site, their tasks, and the records-of-processing document. Scoped like the site. */
export function privacyRecordsRoutes(app: FastifyInstance, deps: { records: PrivacyRecordsService; sites: SitesService; clock: Clock }): void {
  const tag = 'privacy records';
  const site = async (req: FastifyRequest, need: 'read' | 'write') => {
    const found = await deps.sites.getSite(parseId(req));
    accessOf(req).require(siteRefOf.site(found), need);
    return found;
  };

  app.get(
    '/sites/:id/privacy-records',
    {
      schema: operation({
        tag,
        summary: "The site's GDPR records of processing, what the privacy audits saw, and open tasks",
        params: idParams,
        ok: { 200: recordsOut },
      }),
    },
    async (req) => {
      const { id } = await site(req, 'read');
      return show(id, await deps.records.get(id));
    },
  );
  app.put(
    '/sites/:id/privacy-records',
    {
      schema: operation({
        tag,
        summary: "Replace what people write in the site's records (purposes, processors); what the audits saw stays",
        params: idParams,
        body: recordsInput,
        ok: { 200: recordsOut },
        errors: [409],
      }),
    },
    async (req) => {
      const { id } = await site(req, 'write');
      return show(id, await deps.records.put(id, req.body));
    },
  );
  app.post(
    '/sites/:id/privacy-records/review',
    { schema: operation({ tag, summary: 'Mark the records reviewed now (the yearly review)', params: idParams, ok: { 200: recordsOut } }) },
    async (req) => {
      const { id } = await site(req, 'write');
      return show(id, await deps.records.review(id, actorOf(req)));
    },
  );
  app.get(
    '/sites/:id/privacy-records/export',
    {
      schema: operation({
        tag,
        summary: 'The records as a records-of-processing document (Art. 30 GDPR)',
        params: idParams,
        ok: { 200: { description: 'A page that stands alone (print it to PDF)', media: ['text/html'], schema: { type: 'string' } } },
      }),
    },
    async (req, reply) => {
      const found = await site(req, 'read');
      const html = recordsDocument({ name: found.spec.name, url: found.spec.url ?? null }, await deps.records.get(found.id), deps.clock.now());
      return reply.type('text/html; charset=utf-8').header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'").send(html);
    },
  );
  app.post(
    '/privacy-tasks/:id/done',
    { schema: operation({ tag, summary: 'Mark a privacy task done', params: idParams, ok: { 200: taskOut } }) },
    async (req) => {
      const task = await deps.records.task(parseId(req));
      accessOf(req).require(siteRefOf.site(await deps.sites.getSite(task.site_id)), 'write', `privacy task ${task.id}`);
      return showTask(await deps.records.completeTask(task.id, actorOf(req)));
    },
  );
}
