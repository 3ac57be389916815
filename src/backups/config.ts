import { Cron } from 'croner';
import { z } from 'zod';
import { backendConfigSchema } from './backends/registry.js';
import { durationField } from './duration.js';
import { retentionSchema, type RetentionPolicy } from './retention.js';
import { sourceConfigSchema } from './sources/registry.js';

const cron = z.string().refine(
  (expr) => {
    try {
      new Cron(expr, { paused: true }).stop();
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a cron expression like "0 3 * * *"' },
);
const timezone = z
  .string()
  .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', { message: 'expected an IANA time zone like "Europe/Berlin"' });

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

const retentionConfig = retentionSchema
  .omit({ keepWithinMs: true })
  .extend({
    keepWithin: durationField.optional(),
    /** Also delete the data forgotten snapshots leave behind (restic's `forget --prune`). */
    prune: z.boolean().default(true),
  })
  .strict()
  .transform(({ keepWithin, prune, ...rest }) => ({
    policy: { ...rest, ...(keepWithin === undefined ? {} : { keepWithinMs: keepWithin }) } as RetentionPolicy,
    prune,
  }));

const jobSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    repository: z.string().min(1),
    source: sourceConfigSchema,
    schedule: cron,
    timezone: timezone.optional(),
    /** How late a run may be before the job counts as down (heartbeat semantics). */
    grace: durationField.default(3_600_000),
    retention: retentionConfig.optional(),
    tags: z.array(z.string()).default([]),
  })
  .strict();

const verifySchema = z
  .object({
    schedule: cron.default('0 4 * * *'),
    timezone: timezone.optional(),
    /** Percent of pack files read in full on each scheduled run. */
    readDataPercent: z.number().min(0).max(100).default(10),
    /** When every byte is read and authenticated; monthly by default. */
    fullReadSchedule: cron.default('0 5 1 * *'),
  })
  .strict();

const drillsSchema = z
  .object({
    schedule: cron.default('0 6 * * 0'),
    timezone: timezone.optional(),
    /** Where drills restore to; emptied after each drill. */
    scratchDir: z.string().min(1).optional(),
  })
  .strict();

/**
 * The `backups:` section of upkeep.yaml; the root schema takes it as `backups: backupsConfigSchema.optional()`.
 *
 * @example
 * backups:
 *   repositories:
 *     main: { backend: { kind: local, path: /var/backups/upkeep }, password: ${UPKEEP_BACKUP_PASSWORD} }
 *   jobs:
 *     - { name: www, repository: main, source: { kind: dir, paths: [/var/www] }, schedule: "0 3 * * *", retention: { keepDaily: 7 } }
 */
export const backupsConfigSchema = z
  .object({
    repositories: z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), repositorySchema),
    jobs: z.array(jobSchema).default([]),
    verify: verifySchema.prefault({}),
    drills: drillsSchema.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    for (const [i, job] of config.jobs.entries()) {
      if (!(job.repository in config.repositories))
        ctx.addIssue({
          code: 'custom',
          path: ['jobs', i, 'repository'],
          message: `no repository named ${JSON.stringify(job.repository)} under backups.repositories`,
        });
      if (names.has(job.name)) ctx.addIssue({ code: 'custom', path: ['jobs', i, 'name'], message: `job name ${JSON.stringify(job.name)} is used twice` });
      names.add(job.name);
    }
  });

export type BackupsConfig = z.infer<typeof backupsConfigSchema>;
export type BackupJobConfig = BackupsConfig['jobs'][number];
export type RepositoryConfig = z.infer<typeof repositorySchema>;
