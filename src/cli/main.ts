import { createRequire } from 'node:module';
import { Command } from 'commander';
import { register as registerAdmin } from './commands/admin.js';
import { register as registerBackup } from './commands/backup.js';
import { register as registerCheck } from './commands/check.js';
import { register as registerCluster } from './commands/cluster.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerConfig } from './commands/config.js';
import { register as registerInventory } from './commands/inventory.js';
import { register as registerImport } from './commands/import.js';
import { register as registerProbe } from './commands/probe.js';
import { register as registerRestoreSelf } from './commands/restore-self.js';
import { register as registerStart } from './commands/start.js';
import { register as registerReport } from './commands/report.js';
import { register as registerStatus } from './commands/status.js';
import { register as registerUpdates } from './commands/updates.js';
import { report } from './run.js';

// Commands import what they run inside their actions, so `upkeep --help` or `validate` does not load the
// server, the engine and every plugin first (seconds of CPU on a small machine). The version is read here
// for the same reason, not from app.ts.
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command()
  .name('upkeep')
  .description('Keeps websites fast, secure, compliant, backed up and honest with their users.')
  .version(version)
  .showHelpAfterError('(run with --help for usage)')
  .addHelpText(
    'after',
    `
Environment:
  UPKEEP_DATABASE_URL      postgres://… to use PostgreSQL instead of SQLite in the data directory
  UPKEEP_ADMIN_EMAIL       first owner account, made at the first start…
  UPKEEP_ADMIN_PASSWORD    …with this password
  UPKEEP_SECRET_KEY        key that encrypts secrets at rest (default: made once in <data-dir>/secret.key)
  UPKEEP_BACKUP_PASSWORD   password of the repository named with "upkeep backup --repo"
  UPKEEP_LOG_LEVEL         debug, info (default), warn, error
  UPKEEP_LOG_FORMAT        pretty (default on a terminal) or json

Exit codes: 0 done, 1 the operation failed, 2 the input or config is wrong.`,
  );
program.exitOverride((err) => {
  // commander's own usage errors (unknown option, missing argument) are input errors: exit 2.
  process.exit(err.exitCode === 0 ? 0 : 2);
});

for (const register of [
  registerStart,
  registerConfig,
  registerCheck,
  registerBackup,
  registerAdmin,
  registerAudit,
  registerStatus,
  registerInventory,
  registerUpdates,
  registerImport,
  registerReport,
  registerCluster,
  registerProbe,
  registerRestoreSelf,
])
  register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.exitCode = report(err);
});
