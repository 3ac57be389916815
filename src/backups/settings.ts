import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/types.js';
import { describeChanges } from '../config/apply.js';
import { canonicalJson } from '../lib/json.js';
import type { SecretBox } from '../lib/secrets.js';
import { BackupsRepository } from './backups.repository.js';
import { backupsConfigSchema, type BackupsConfig } from './config.js';

/** Fields of `backups:` that are secrets: shown as "(secret changed)" in a plan, referred to by variable in an export. */
export const isBackupSecret = (path: readonly string[]): boolean => ['password', 'secretAccessKey'].includes(path.at(-1) ?? '');

export interface StoredBackups {
  config: BackupsConfig;
  /** `${VAR}` references by dotted path below `backups.`. */
  envRefs: Record<string, string>;
  updatedAt: number;
}

/** What applying a `backups:` section would do: nothing, or make, change or drop the stored one. */
export interface BackupsChange {
  action: 'create' | 'update' | 'delete';
  before: BackupsConfig | undefined;
  after: BackupsConfig | undefined;
}

/**
 * The `backups:` section as last applied, kept in the database (sealed: it holds repository passwords),
 * so a running server reschedules when `upkeep apply` changes it and `upkeep export` writes it back.
 *
 * @example const stored = await new BackupSettings(db, box).load()
 */
export class BackupSettings {
  private readonly repo: BackupsRepository;

  constructor(
    db: Kysely<Database>,
    private readonly box: SecretBox,
  ) {
    this.repo = new BackupsRepository(db);
  }

  async load(): Promise<StoredBackups | undefined> {
    const row = await this.repo.settings();
    if (!row) return undefined;
    // Parsed again from the written form, so a section stored by an older release gets today's defaults.
    const config = backupsConfigSchema.parse(this.box.open<unknown>(row.sealed));
    return { config, envRefs: JSON.parse(row.env_refs) as Record<string, string>, updatedAt: row.updated_at };
  }

  /** Changes whenever the section does; 0 when there is none. */
  version(): Promise<number> {
    return this.repo.settingsVersion();
  }

  /** Stores the section (or drops it when the file has none); says what changed, or nothing when it is the same. */
  async apply(config: BackupsConfig | undefined, envRefs: Record<string, string>, dryRun: boolean, now: number): Promise<BackupsChange | undefined> {
    const current = await this.load();
    if (!config) {
      if (!current) return undefined;
      if (!dryRun) await this.repo.deleteSettings();
      return { action: 'delete', before: current.config, after: undefined };
    }
    if (current && canonicalJson({ c: current.config, r: current.envRefs }) === canonicalJson({ c: config, r: envRefs })) return undefined;
    if (!dryRun) {
      // Never the same stamp twice: a server polling the version must see every change.
      const stamp = Math.max(now, (current?.updatedAt ?? 0) + 1);
      await this.repo.saveSettings(this.box.seal(writtenForm(config)), JSON.stringify(envRefs), stamp);
    }
    return { action: current ? 'update' : 'create', before: current?.config, after: config };
  }
}

/** What changed between two sections, for the plan: jobs by name (one line for a job added or removed), other fields by path. */
export function describeBackupsChange(before: BackupsConfig, after: BackupsConfig): string[] {
  const byName = (config: BackupsConfig) => {
    const { jobs, ...rest } = writtenForm(config) as { jobs?: { name: string }[] };
    return { ...rest, jobs: Object.fromEntries((jobs ?? []).map((j) => [j.name, j])) };
  };
  const [was, now] = [byName(before), byName(after)];
  const lines = [
    ...Object.keys(was.jobs)
      .filter((n) => !(n in now.jobs))
      .map((n) => `job "${n}" removed`),
    ...Object.keys(now.jobs)
      .filter((n) => !(n in was.jobs))
      .map((n) => `job "${n}" added`),
  ];
  const common = (jobs: Record<string, unknown>, other: Record<string, unknown>) => Object.fromEntries(Object.entries(jobs).filter(([n]) => n in other));
  return [...lines, ...describeChanges({ ...was, jobs: common(was.jobs, now.jobs) }, { ...now, jobs: common(now.jobs, was.jobs) }, isBackupSecret)];
}

/** The section as upkeep.yaml writes it (durations as "1h", not milliseconds). */
export function writtenForm(config: BackupsConfig): Record<string, unknown> {
  return z.encode(backupsConfigSchema, config);
}
