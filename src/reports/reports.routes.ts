import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import { idParams, listSchema, pageQuery, pageSchema, parseId } from '../http/schema.js';
import { toIso } from '../lib/clock.js';
import type { ConfigObject } from '../incidents/config-objects.service.js';
import type { ArchivedEntry } from './archive.repository.js';
import { archivedOut, scheduleOut } from './reports.openapi.js';
import type { ReportsService } from './reports.service.js';
import { reportScheduleSchema, type ReportScheduleSpec } from './schedule.schema.js';

/** The sent reports' archive and the report schedules: thin routes over ReportsService. */
export function reportsRoutes(app: FastifyInstance, reports: ReportsService): void {
  const tag = 'reports';
  // Schedules send any site's figures to outside addresses: instance-wide objects, like channels.
  const global = (req: FastifyRequest) => accessOf(req).requireGlobal(req.method === 'GET' ? 'read' : 'write');
  // The stored spec is what the API answers (no codecs in it); encoding would only sanitize the logo again.
  const showSchedule = (s: ConfigObject<ReportScheduleSpec>) => ({ id: s.id, ...s.spec, managedBy: s.managedBy });
  const showArchived = (r: ArchivedEntry) => ({
    id: r.id,
    schedule: r.schedule,
    title: r.title,
    month: r.month,
    language: r.language,
    recipients: r.recipients,
    createdAt: toIso(r.created_at),
    siteIds: r.siteIds,
  });
  const schedule = { description: 'The report schedule', schema: scheduleOut };

  app.get(
    '/reports',
    {
      schema: operation({
        tag,
        summary: 'Reports sent, newest first (those whose every site the caller may see)',
        query: pageQuery,
        ok: { 200: { description: 'A page of reports', schema: pageSchema(archivedOut, 'cursor') } },
      }),
    },
    async (req) => {
      const q = parseInput(pageQuery, req.query);
      const page = await reports.list(accessOf(req), q.limit, q.cursor);
      return { data: page.items.map(showArchived), page: { limit: q.limit, nextCursor: page.nextCursor } };
    },
  );
  app.get(
    '/reports/:id/pdf',
    {
      schema: operation({
        tag,
        summary: 'A sent report as it went out (PDF)',
        params: idParams,
        ok: { 200: { description: 'The PDF', media: ['application/pdf'], schema: { type: 'string', format: 'binary' } } },
      }),
    },
    async (req, reply) => {
      const row = await reports.get(accessOf(req), parseId(req));
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="report-${row.id}-${row.month}.pdf"`)
        .send(Buffer.from(row.pdf, 'base64'));
    },
  );
  app.get(
    '/reports/:id/html',
    {
      schema: operation({
        tag,
        summary: 'A sent report as it went out (HTML; a page that stands alone)',
        params: idParams,
        ok: { 200: { description: 'The page', media: ['text/html'], schema: { type: 'string' } } },
      }),
    },
    async (req, reply) => {
      const row = await reports.get(accessOf(req), parseId(req));
      // The report is ours, but it shows names people typed: no script, nothing loaded from elsewhere.
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .send(row.html);
    },
  );

  app.get(
    '/report-schedules',
    { schema: operation({ tag, summary: 'List report schedules', ok: { 200: { description: 'Every schedule', schema: listSchema(scheduleOut) } } }) },
    async (req) => (global(req), { data: (await reports.schedules.list()).map(showSchedule) }),
  );
  app.post(
    '/report-schedules',
    { schema: operation({ tag, summary: 'Add a report schedule', body: reportScheduleSchema, ok: { 201: schedule }, errors: [409] }) },
    async (req, reply) => {
      global(req);
      return reply.status(201).send(showSchedule(await reports.schedules.create(req.body)));
    },
  );
  app.get(
    '/report-schedules/:id',
    { schema: operation({ tag, summary: 'A report schedule', params: idParams, ok: { 200: schedule } }) },
    async (req) => (global(req), showSchedule(await reports.schedules.get(parseId(req)))),
  );
  app.put(
    '/report-schedules/:id',
    { schema: operation({ tag, summary: 'Replace a report schedule', params: idParams, body: reportScheduleSchema, ok: { 200: schedule }, errors: [409] }) },
    async (req) => (global(req), showSchedule(await reports.schedules.replace(parseId(req), req.body))),
  );
  app.delete(
    '/report-schedules/:id',
    { schema: operation({ tag, summary: 'Delete a report schedule', params: idParams, ok: { 204: null }, errors: [409] }) },
    async (req, reply) => {
      global(req);
      await reports.schedules.delete(parseId(req));
      return reply.status(204).send();
    },
  );
}
