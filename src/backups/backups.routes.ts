import type { FastifyInstance } from 'fastify';
import { parseInput } from '../config/validate.js';
import { accessOf } from '../http/auth.js';
import { operation } from '../http/operation.js';
import {
  archiveQuery,
  checksQuery,
  jobOut,
  jobParams,
  jobsOut,
  repositoriesOut,
  repositoryParams,
  restoreBody,
  restoreOut,
  runsOut,
  runsQuery,
  searchOut,
  searchQuery,
  snapshotParams,
  snapshotsOut,
  treeOut,
  treeQuery,
} from './backups.openapi.js';
import type { BackupJobsService, RunView } from './jobs.service.js';

const page = (data: RunView[], limit: number) => ({ data, page: { limit, nextCursor: data.length === limit ? String(data.at(-1)!.id) : null } });

/** Backups in the API: thin routes over BackupJobsService. */
export function backupsRoutes(app: FastifyInstance, service: BackupJobsService): void {
  const tag = 'backups';
  // Reading a repository can take a while and fail on its own (a server away, a wrong password): 503 then.
  const remote = [503] as const;

  app.get(
    '/backups/repositories',
    { schema: operation({ tag, summary: 'Backup repositories used by the jobs in your reach (never their passwords or keys)', ok: { 200: repositoriesOut } }) },
    async (req) => ({ data: await service.repositories(accessOf(req)) }),
  );
  app.get(
    '/backups/repositories/:repository/checks',
    {
      schema: operation({ tag, summary: "A repository's integrity checks, newest first", params: repositoryParams, query: checksQuery, ok: { 200: runsOut } }),
    },
    async (req) => {
      const { repository } = parseInput(repositoryParams, req.params);
      const q = parseInput(checksQuery, req.query);
      return page(await service.checks(accessOf(req), repository, { limit: q.limit, before: q.cursor }), q.limit);
    },
  );
  app.get(
    '/backups/jobs',
    { schema: operation({ tag, summary: 'Backup jobs of the sites in your reach, with their last backup, drill and check', ok: { 200: jobsOut } }) },
    async (req) => ({ data: await service.jobs(accessOf(req)) }),
  );
  app.get('/backups/jobs/:job', { schema: operation({ tag, summary: 'A backup job', params: jobParams, ok: { 200: jobOut } }) }, async (req) =>
    service.job(accessOf(req), parseInput(jobParams, req.params).job),
  );
  app.get(
    '/backups/jobs/:job/runs',
    {
      schema: operation({
        tag,
        summary: "A job's backups, restore drills and restores, newest first",
        params: jobParams,
        query: runsQuery,
        ok: { 200: runsOut },
      }),
    },
    async (req) => {
      const { job } = parseInput(jobParams, req.params);
      const q = parseInput(runsQuery, req.query);
      const kinds = q.kind ? [q.kind] : (['backup', 'drill', 'restore'] as const);
      return page(await service.jobRuns(accessOf(req), job, { kinds: [...kinds], limit: q.limit, before: q.cursor }), q.limit);
    },
  );
  app.get(
    '/backups/jobs/:job/snapshots',
    { schema: operation({ tag, summary: "A job's snapshots, newest first", params: jobParams, ok: { 200: snapshotsOut }, errors: remote }) },
    async (req) => ({ data: await service.snapshots(accessOf(req), parseInput(jobParams, req.params).job) }),
  );
  app.get(
    '/backups/jobs/:job/snapshots/:snapshot/tree',
    {
      schema: operation({ tag, summary: 'One folder of a snapshot', params: snapshotParams, query: treeQuery, ok: { 200: treeOut }, errors: remote }),
    },
    async (req) => {
      const { job, snapshot } = parseInput(snapshotParams, req.params);
      return service.tree(accessOf(req), job, snapshot, parseInput(treeQuery, req.query).path);
    },
  );
  app.get(
    '/backups/jobs/:job/snapshots/:snapshot/search',
    {
      schema: operation({
        tag,
        summary: 'Files and folders of a snapshot whose name contains the query',
        params: snapshotParams,
        query: searchQuery,
        ok: { 200: searchOut },
        errors: remote,
      }),
    },
    async (req) => {
      const { job, snapshot } = parseInput(snapshotParams, req.params);
      // Reach first: a job out of reach is 404 whatever the query.
      await service.job(accessOf(req), job);
      const q = parseInput(searchQuery, req.query);
      return service.search(accessOf(req), job, snapshot, q.q, q.limit);
    },
  );
  app.get(
    '/backups/jobs/:job/snapshots/:snapshot/archive',
    {
      schema: operation({
        tag,
        summary: 'Download a snapshot, or one path of it, as a tar archive (editors of the job’s site)',
        params: snapshotParams,
        query: archiveQuery,
        ok: {
          200: {
            description: 'A tar archive laid out as `restic restore` would (var/www/…)',
            media: ['application/x-tar'],
            schema: { type: 'string', format: 'binary' },
            headers: { 'content-disposition': { type: 'string', description: 'attachment; filename="<job>-<snapshot>.tar"' } },
          },
        },
        errors: remote,
      }),
    },
    async (req, reply) => {
      const { job, snapshot } = parseInput(snapshotParams, req.params);
      const { path } = parseInput(archiveQuery, req.query);
      const { stream, filename } = await service.archive(accessOf(req), job, snapshot, path === undefined ? [] : [path]);
      return reply.type('application/x-tar').header('content-disposition', `attachment; filename="${filename}"`).send(stream);
    },
  );
  app.post(
    '/backups/jobs/:job/snapshots/:snapshot/restore',
    {
      schema: operation({
        tag,
        summary: 'Restore a snapshot, or chosen paths of it, into a new folder on the server below backups.restoreRoot (admins and owners)',
        params: snapshotParams,
        body: restoreBody,
        ok: { 200: restoreOut },
        errors: [409, ...remote],
      }),
    },
    async (req) => {
      const { job, snapshot } = parseInput(snapshotParams, req.params);
      // Who may first: nobody else learns what a valid body looks like.
      accessOf(req).requireAdmin();
      return service.restoreToServer(accessOf(req), job, snapshot, parseInput(restoreBody, req.body));
    },
  );
}
