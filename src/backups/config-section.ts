import type { ConfigSection, SectionStore } from '../config/section.js';
import type { Config } from '../config/schema.js';
import type { SecretBox } from '../lib/secrets.js';
import { backupsConfigSchema } from './config.js';
import { backupMonitors, backupReferenceIssues, withBackupMonitors } from './heartbeats.js';
import { BackupSettings, describeBackupsChange, isBackupSecret } from './settings.js';

/** `backups:` of upkeep.yaml: jobs report to heartbeat monitors of sites that must exist. */
export const backupsSection = {
  shape: { backups: backupsConfigSchema.optional() },
  check: (config, issue) => {
    for (const { path, message } of backupReferenceIssues(config)) issue(path, message);
  },
} satisfies ConfigSection<Parameters<typeof backupReferenceIssues>[0]>;

/**
 * Backup jobs, drills and checks bring their heartbeat monitors to their sites before anything is
 * applied; the section itself is stored (sealed with `box`), so a running server follows it without a
 * restart and `upkeep export` writes it back (its heartbeat monitors are left out of the sites there).
 */
export function backupsStore(box: SecretBox): SectionStore<Config> {
  return {
    expand: withBackupMonitors,
    async derived(db) {
      const stored = await new BackupSettings(db, box).load();
      return backupMonitors(stored?.config).map((d) => `${d.site}/${d.spec.name}`);
    },
    async apply(config, sync) {
      const change = await new BackupSettings(sync.trx, box).apply(config.backups, sync.refsUnder('backups.'), sync.dryRun, sync.now);
      if (change)
        sync.items.push({
          action: change.action,
          kind: 'backups',
          key: 'backups',
          changes: change.before && change.after ? describeBackupsChange(change.before, change.after) : [],
        });
    },
    async export({ db, prepare }) {
      const stored = await new BackupSettings(db, box).load();
      return stored ? { backups: prepare(backupsConfigSchema, stored.config, stored.envRefs, isBackupSecret, ['backups']) } : {};
    },
  };
}
