import type { ConfigSection, SectionStore } from '../config/section.js';
import type { Config } from '../config/schema.js';
import { backupsConfigSchema } from './config.js';
import { backupReferenceIssues, withBackupMonitors } from './heartbeats.js';

/** `backups:` of upkeep.yaml: jobs report to heartbeat monitors of sites that must exist. */
export const backupsSection = {
  shape: { backups: backupsConfigSchema.optional() },
  check: (config, issue) => {
    for (const { path, message } of backupReferenceIssues(config)) issue(path, message);
  },
} satisfies ConfigSection<Parameters<typeof backupReferenceIssues>[0]>;

/** Backup jobs, drills and checks bring their heartbeat monitors to their sites before anything is applied. */
export const backupsStore: SectionStore<Config> = { expand: withBackupMonitors };
