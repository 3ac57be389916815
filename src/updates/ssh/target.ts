import { z } from 'zod';
import { parseLocation, type LocationOptions } from '../../backups/location.js';
import { sftpConnectionFields, type SftpConnectionConfig } from '../../backups/sftp-connection.js';
import { AppError } from '../../lib/errors.js';

/**
 * Where a site lives inside: an SSH account and the site's folder. The connection fields are the
 * SFTP backups' own (key or password, host key given or pinned on first use), so one account and
 * one known_hosts file serve both.
 *
 * @example { host: 'web1.example.com', username: 'deploy', privateKeyPath: '/etc/upkeep/id_ed25519', root: '/var/www/shop' }
 */
export const sshTargetSchema = z
  .object({
    ...sftpConnectionFields,
    /** The site's folder (where wp-config.php, composer.lock or package-lock.json are). */
    root: z.string().startsWith('/', 'the site folder is an absolute path, like /var/www/shop'),
  })
  .strict();
export type SshTarget = z.output<typeof sshTargetSchema>;

export const connectionOf = ({ root: _root, ...connection }: SshTarget): SftpConnectionConfig => connection;

export const describeTarget = (t: SshTarget): string => `${t.username}@${t.host}${t.port === 22 ? '' : `:${t.port}`}:${t.root}`;

/**
 * Reads `--ssh user@host:/path` (or `sftp://user@host:2222//path`), the way backup repositories
 * are written, with the key and host-key options of the backup commands.
 */
export function parseSshTarget(text: string, options: Omit<LocationOptions, 'env'>): SshTarget {
  let parsed;
  try {
    parsed = parseLocation(`sftp:${text}`, { env: {}, ...options });
  } catch (err) {
    const why = err instanceof AppError ? err.message.replace(/^cannot use repository "[^"]*": /, '') : String(err);
    throw new AppError('invalid_input', `--ssh ${JSON.stringify(text)}: ${why.replace('sftp:user@host:/folder', 'user@host:/path')}`);
  }
  if (parsed.kind !== 'sftp') throw new AppError('invalid_input', `--ssh ${JSON.stringify(text)}: expected user@host:/path`);
  const { kind: _kind, path, ...connection } = parsed;
  return sshTargetSchema.parse({ ...connection, root: path });
}
