import { z } from 'zod';
import { queryNumber } from '../http/schema.js';

/** Job and repository names as the config allows them. */
const name = z
  .string()
  .max(60)
  .regex(/^[a-z0-9][a-z0-9-]*$/);
export const jobParams = z.object({ job: name });
export const repositoryParams = z.object({ repository: name });
export const snapshotParams = z.object({
  job: name,
  snapshot: z
    .string()
    .regex(/^[0-9a-f]{4,64}$/, 'expected a snapshot id or a unique prefix of it (at least 4 hex digits)')
    .describe('The snapshot id, or a unique prefix of it (at least 4 hex digits)'),
});

const snapshotPath = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^\//, 'expected an absolute path in the snapshot like "/var/www"')
  .describe('An absolute path in the snapshot, like "/var/www"');

export const runsQuery = z.object({
  kind: z.enum(['backup', 'drill', 'restore']).optional().describe('only runs of this kind (default: all)'),
  limit: queryNumber(z.number().int().min(1).max(200)).default(50),
  cursor: queryNumber(z.number().int().positive()).optional().describe('nextCursor of the previous page: runs older than this one'),
});
export const checksQuery = runsQuery.omit({ kind: true });
export const treeQuery = z.object({ path: snapshotPath.default('/') });
export const searchQuery = z.object({
  q: z.string().min(1).max(200).describe('Part of a file or folder name, ignoring case'),
  limit: queryNumber(z.number().int().min(1).max(500)).default(100),
});
export const archiveQuery = z.object({ path: snapshotPath.optional().describe('The folder or file to download (default: the whole snapshot)') });
export const restoreBody = z
  .object({
    paths: z.array(snapshotPath).max(100).default([]).describe('What to restore (default: the whole snapshot)'),
    target: z.string().min(1).max(1000).describe('A new or empty folder below backups.restoreRoot, relative to it, like "shop/2026-12-06"; made when missing'),
  })
  .strict();

const run = z.object({
  id: z.number().int(),
  kind: z.enum(['backup', 'drill', 'check', 'restore']),
  job: z.string().nullable(),
  repository: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  ok: z.boolean(),
  message: z.string(),
  snapshotId: z.string().nullable(),
});
export const runsOut = z.object({ data: z.array(run), page: z.object({ limit: z.number().int(), nextCursor: z.string().nullable() }) });

export const repositoryOut = z.object({
  name: z.string(),
  backend: z.enum(['local', 's3', 'sftp']),
  location: z.string().describe('Where the repository is, without credentials'),
  jobs: z.array(z.string()).describe('The jobs in your reach that write to it'),
  lastCheck: run.nullable(),
});
export const repositoriesOut = z.object({ data: z.array(repositoryOut) });

export const jobOut = z.object({
  name: z.string(),
  site: z.object({ id: z.number().int(), name: z.string() }),
  repository: z.string(),
  source: z.string().describe('The kind of source: dir, sftp-dir, sqlite, postgres, mysql, command'),
  schedule: z.string(),
  timezone: z.string(),
  drill: z.boolean(),
  lastBackup: run.nullable(),
  lastDrill: run.nullable(),
  lastCheck: run.nullable(),
  may: z.object({
    download: z.boolean().describe('download snapshots (editors of the site)'),
    restoreToServer: z.boolean().describe('restore onto the server (admins and owners)'),
  }),
});
export const jobsOut = z.object({ data: z.array(jobOut) });

const snapshot = z.object({
  id: z.string(),
  shortId: z.string(),
  time: z.string(),
  hostname: z.string().nullable(),
  paths: z.array(z.string()),
  tags: z.array(z.string()),
});
export const snapshotsOut = z.object({
  data: z.array(snapshot.extend({ rowCounts: z.record(z.string(), z.number()).nullable().describe('Rows per table at backup time (database sources)') })),
});

const entry = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['file', 'dir', 'symlink', 'dev', 'chardev', 'fifo', 'socket']),
  size: z.number().int().nullable(),
  mtime: z.string(),
  mode: z.number().int().describe('POSIX permission bits'),
  linkTarget: z.string().nullable(),
});
export const treeOut = z.object({ snapshot, path: z.string(), entries: z.array(entry) });
export const searchOut = z.object({ snapshot, query: z.string(), matches: z.array(entry), truncated: z.boolean() });
export const restoreOut = z.object({
  snapshotId: z.string(),
  target: z.string().describe('The folder written, on the server'),
  files: z.number().int(),
  dirs: z.number().int(),
  symlinks: z.number().int(),
  bytes: z.number().int(),
  refused: z.array(z.string()).describe('Entries left out because their name or kind could escape the target'),
});
