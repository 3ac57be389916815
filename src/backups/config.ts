import { z } from 'zod';
import { duration } from '../config/duration.js';
import { cronExpression, timezone } from '../config/fields.js';
import { backendConfigSchema } from './backends/registry.js';
import { retentionSchema } from './retention.js';
import { sourceConfigSchema } from './sources/registry.js';

/** Job and repository names end up in monitor names, snapshot tags and scratch folder names. */
const simpleName = (what: string) =>
  z
    .string()
    .max(60, `a ${what} name is at most 60 characters`)
    .regex(/^[a-z0-9][a-z0-9-]*$/, `a ${what} name is lower-case letters, digits and dashes, like "www" or "shop-db"`);

/** The job name Upkeep's own backups are tagged and reported with. */
export const SELF_JOB = 'upkeep-self';

/** Snapshot tags Upkeep writes itself: the job a snapshot belongs to (which decides who may browse it), its row counts. */
const OWN_TAG_PREFIX = 'upkeep-';

const repositorySchema = z
  .object({
    backend: backendConfigSchema,
    /** Arrives as a `${UPKEEP_BACKUP_PASSWORD}`-style reference substituted by the config loader. */
    password: z.string().min(1).optional(),
    /** A file holding the password (first line), readable only by Upkeep's user. */
    passwordFile: z.string().min(1).optional(),
  })
  .strict()
  .refine((r) => (r.password === undefined) !== (r.passwordFile === undefined), { message: 'a repository needs exactly one of "password" or "passwordFile"' });

const retentionConfig = retentionSchema.extend({
  /** Also delete the data forgotten snapshots leave behind (restic's `forget --prune`). */
  prune: z.boolean().default(true),
});

const jobSchema = z
  .object({
    // Reserved: a job of that name would be shown (to its site's team) the runs and snapshots of Upkeep's own backup.
    name: simpleName('job').refine((n) => n !== SELF_JOB, `"${SELF_JOB}" is the name of Upkeep's own backup (backups.self); choose another`),
    /** The site (under `sites:`) whose heartbeat monitors "Backup: <name>" and "Restore drill: <name>" report this job. */
    site: z.string().min(1),
    repository: z.string().min(1),
    source: sourceConfigSchema,
    schedule: cronExpression,
    timezone: timezone.default('UTC'),
    /** How late a run may finish before its heartbeat monitor is down. */
    grace: duration().prefault('1h'),
    retention: retentionConfig.optional(),
    // Not Upkeep's own tags: a snapshot tagged with another job's tag would be shown to that job's site.
    tags: z
      .array(
        z
          .string()
          .min(1)
          .refine(
            (t) => !t.startsWith(OWN_TAG_PREFIX),
            `tags starting with "${OWN_TAG_PREFIX}" are Upkeep's own (the job a snapshot belongs to); choose another`,
          ),
      )
      .default([]),
    /** Restore drills for this job, on `backups.drills.schedule`; `false` turns them off. */
    drill: z.boolean().default(true),
  })
  .strict();

const verifySchema = z
  .object({
    schedule: cronExpression.default('0 4 * * *'),
    timezone: timezone.default('UTC'),
    grace: duration().prefault('2h'),
    /** Percent of pack files read in full on each scheduled run. */
    readDataPercent: z.number().min(0).max(100).default(10),
    /** When every byte is read and authenticated; monthly by default. */
    fullReadSchedule: cronExpression.default('0 5 1 * *'),
  })
  .strict();

const drillsSchema = z
  .object({
    schedule: cronExpression.default('0 6 * * 0'),
    timezone: timezone.default('UTC'),
    grace: duration().prefault('2h'),
    /** Where drills restore to; emptied after each drill. */
    scratchDir: z.string().min(1).optional(),
  })
  .strict();

/** Upkeep backing itself up: its database (online, consistent), secret key and config file, on a schedule. */
const selfSchema = z
  .object({
    /** The site whose heartbeat monitors "Backup: upkeep-self" and "Restore drill: upkeep-self" report it. */
    site: z.string().min(1),
    repository: z.string().min(1),
    schedule: cronExpression,
    timezone: timezone.default('UTC'),
    grace: duration().prefault('1h'),
    /** Which self-backups to keep (restic's forget rules; forgotten data is pruned). */
    keep: retentionSchema.optional(),
    /** Restore drills on `backups.drills.schedule`: restore, re-hash, integrity_check, row counts. */
    drill: z.boolean().default(true),
  })
  .strict();

/**
 * The `backups:` section of upkeep.yaml. Which site each job names is checked by the root schema,
 * which knows the sites.
 *
 * @example
 * backups:
 *   repositories:
 *     main: { backend: { kind: local, path: /var/backups/upkeep }, password: '${UPKEEP_BACKUP_PASSWORD}' }
 *   jobs:
 *     - { name: www, site: Example shop, repository: main, source: { kind: dir, paths: [/var/www] }, schedule: "0 3 * * *" }
 */
export const backupsConfigSchema = z
  .object({
    repositories: z.record(simpleName('repository'), repositorySchema),
    jobs: z.array(jobSchema).default([]),
    verify: verifySchema.prefault({}),
    drills: drillsSchema.prefault({}),
    /**
     * Where restores onto the server may write (the API and the dashboard): each restore goes into a new
     * or empty folder below it. Without it, snapshots can only be downloaded. Must not overlap Upkeep's own files.
     */
    restoreRoot: z.string().startsWith('/', 'expected an absolute folder like "/srv/restores"').optional(),
    self: selfSchema.optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.self && !(config.self.repository in config.repositories))
      ctx.addIssue({
        code: 'custom',
        path: ['self', 'repository'],
        message: `no repository named ${JSON.stringify(config.self.repository)} under backups.repositories`,
      });
    const names = new Set<string>();
    for (const [i, job] of config.jobs.entries()) {
      if (!(job.repository in config.repositories))
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', i, 'repository'],
          message: `no repository named ${JSON.stringify(job.repository)} under backups.repositories`,
        });
      if (names.has(job.name)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'name'], message: `another job is already named ${JSON.stringify(job.name)}` });
      names.add(job.name);
    }
  });

export type BackupsConfig = z.output<typeof backupsConfigSchema>;
export type BackupJobConfig = BackupsConfig['jobs'][number];
export type RepositoryConfig = z.output<typeof repositorySchema>;
export type SelfBackupConfig = z.output<typeof selfSchema>;
