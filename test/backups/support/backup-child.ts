// Runs one backup in its own process so a test can SIGKILL it halfway: argv = repo path, source path.
import { silentLogger } from '../../../src/lib/logger.js';
import { LocalBackend } from '../../../src/backups/backends/local.js';
import { Repository } from '../../../src/backups/repository/repository.js';
import { snapshotPaths } from '../../../src/backups/snapshot-writer.js';

const [repoPath, source] = process.argv.slice(2);
const repo = await Repository.open(new LocalBackend({ kind: 'local', path: repoPath! }), process.env.UPKEEP_BACKUP_PASSWORD!);
await snapshotPaths(repo, [source!], { log: silentLogger() });
