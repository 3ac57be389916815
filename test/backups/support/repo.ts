import { silentLogger } from '../../../src/lib/logger.js';
import { LocalBackend } from '../../../src/backups/backends/local.js';
import { Repository } from '../../../src/backups/repository/repository.js';

export const password = 'correct horse battery staple';
export const log = silentLogger();

export const localRepo = (path: string): LocalBackend => new LocalBackend({ kind: 'local', path });
export const initRepo = (path: string): Promise<Repository> => Repository.init(localRepo(path), password);
export const openRepo = (path: string): Promise<Repository> => Repository.open(localRepo(path), password);
