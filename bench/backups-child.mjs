// One Upkeep backup from the compiled code (dist), as the server and the CLI run it, in a process of its
// own like restic's. Prints its wall and CPU time (every thread: user + sys) as JSON, counted from the
// start of the backup, so loading the CLI's modules is not in it (bench/backups.bench.ts reports that apart).
// argv: repository folder, source folder; the password is in UPKEEP_BACKUP_PASSWORD.
import { LocalBackend } from '../dist/backups/backends/local.js';
import { Repository } from '../dist/backups/repository/repository.js';
import { snapshotPaths } from '../dist/backups/snapshot-writer.js';
import { silentLogger } from '../dist/lib/logger.js';

const [repoPath, source] = process.argv.slice(2);
const repo = await Repository.init(new LocalBackend({ kind: 'local', path: repoPath }), process.env.UPKEEP_BACKUP_PASSWORD);
const cpu = process.cpuUsage();
const started = performance.now();
await snapshotPaths(repo, [source], { log: silentLogger() });
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }));
