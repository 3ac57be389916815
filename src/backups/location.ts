import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../lib/errors.js';
import type { BackendConfig } from './backends/registry.js';

/** What a location written in restic's syntax cannot carry: credentials and SSH settings. */
export interface LocationOptions {
  /** The environment: S3 credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION, as for restic. */
  env: NodeJS.ProcessEnv;
  sshKey?: string | undefined;
  /** SHA-256 fingerprint of the SSH server's host key (`ssh-keygen -lf` prints it). */
  sshHostKey?: string | undefined;
  /** The known_hosts file that pins host keys on first use (default ~/.ssh/upkeep_known_hosts). */
  knownHosts?: string | undefined;
}

const bad = (location: string, why: string) => new AppError('invalid_input', `cannot use repository ${JSON.stringify(location)}: ${why}`);

function s3(location: string, rest: string, env: NodeJS.ProcessEnv): BackendConfig {
  const url = new URL(/^https?:\/\//.test(rest) ? rest : `https://${rest}`);
  const [bucket, ...prefix] = url.pathname.split('/').filter(Boolean);
  if (!bucket) throw bad(location, 'name a bucket, like s3:https://s3.example.com/bucket/folder');
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw bad(location, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  return {
    kind: 's3',
    endpoint: url.origin,
    region: env.AWS_DEFAULT_REGION || env.AWS_REGION || 'us-east-1',
    bucket,
    prefix: prefix.join('/'),
    accessKeyId,
    secretAccessKey,
    // Amazon wants virtual-hosted buckets; self-hosted servers (MinIO, Garage, Ceph) usually want paths.
    forcePathStyle: !url.hostname.endsWith('amazonaws.com'),
  };
}

/** The key ssh would try first, when none is given. */
function defaultSshKey(): string | undefined {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(homedir(), '.ssh', name)).find((path) => existsSync(path));
}

function sftp(location: string, rest: string, options: LocationOptions): BackendConfig {
  // restic writes `sftp:user@host:/srv/repo` and `sftp://user@host:2222//srv/repo` (the second slash makes it absolute).
  let username: string | undefined;
  let host: string;
  let port = 22;
  let path: string;
  if (rest.startsWith('//')) {
    const url = new URL(`sftp:${rest}`);
    username = url.username ? decodeURIComponent(url.username) : undefined;
    host = url.hostname.replace(/^\[|\]$/g, '');
    port = url.port ? Number(url.port) : 22;
    path = decodeURIComponent(url.pathname).replace(/^\/\//, '/');
    if (!url.pathname.startsWith('//')) throw bad(location, 'write the folder absolute, with two slashes: sftp://user@host:22//srv/backups');
  } else {
    const match = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+):(.*)$/.exec(rest);
    if (!match) throw bad(location, 'expected sftp:user@host:/folder');
    username = match[1];
    host = match[2]!.replace(/^\[|\]$/g, '');
    path = match[3]!;
  }
  if (!path.startsWith('/')) throw bad(location, 'write the folder absolute, like sftp:user@host:/srv/backups');
  const privateKeyPath = options.sshKey ?? defaultSshKey();
  if (!privateKeyPath) throw bad(location, 'no SSH key found in ~/.ssh; pass --ssh-key');
  return {
    kind: 'sftp',
    host,
    port,
    username: username ?? userInfo().username,
    privateKeyPath,
    path,
    ...(options.sshHostKey === undefined ? {} : { hostKeySha256: options.sshHostKey }),
    ...(options.knownHosts === undefined ? {} : { knownHostsFile: options.knownHosts }),
  };
}

/**
 * Reads a repository location as restic writes it: a local folder, `s3:…` or `sftp:…`.
 *
 * @example parseLocation('s3:http://127.0.0.1:9000/backups/www', { env: process.env })
 * // → { kind: 's3', endpoint: 'http://127.0.0.1:9000', bucket: 'backups', prefix: 'www', … }
 */
export function parseLocation(location: string, options: LocationOptions): BackendConfig {
  if (location.trim() === '') throw bad(location, 'it is empty');
  if (location.startsWith('s3:')) {
    try {
      return s3(location, location.slice(3), options.env);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw bad(location, 'expected s3:https://host/bucket/folder');
    }
  }
  if (location.startsWith('sftp:')) {
    try {
      return sftp(location, location.slice(5), options);
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw bad(location, 'expected sftp:user@host:/folder');
    }
  }
  const scheme = /^(rest|b2|azure|gs|swift|rclone):/.exec(location)?.[1];
  if (scheme) throw bad(location, `restic's "${scheme}:" backend is not supported; use a folder, s3: or sftp:`);
  return { kind: 'local', path: location };
}
