import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { resticReady } from './restic.js';
import { hasCommand } from './tools.js';

export const sshReady = resticReady && existsSync('/usr/sbin/sshd') && hasCommand('ssh', ['-V']);
export const sshNeeds = 'sshd and ssh (apt-get install -y openssh-server) and restic';

export interface Sshd {
  port: number;
  user: string;
  /** The client's private key, authorized for `user`. */
  key: string;
  /** The host key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). */
  hostKeySha256: string;
  /** Lets restic reach this server: `-o sftp.command=ssh … -s sftp`. */
  resticArgs: string[];
  stop(): void;
}

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const accepting = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/**
 * A private sshd on loopback with fresh host and client keys in `dir`, for key logins of the current user.
 * `sftpArgs` go to its sftp server (e.g. `['-P', 'opendir']` refuses every listing).
 */
export async function startSshd(dir: string, sftpArgs: string[] = []): Promise<Sshd> {
  await mkdir(dir, { recursive: true });
  // The session's user reads the repository folders below the test's temporary folder.
  await chmod(dirname(dir), 0o755);
  const key = join(dir, 'client');
  for (const file of ['host', 'client']) spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, file)]);
  spawnSync('cp', [`${key}.pub`, join(dir, 'authorized_keys')]);
  const hostKeySha256 = spawnSync('ssh-keygen', ['-lf', join(dir, 'host.pub')], { encoding: 'utf8' }).stdout.split(' ')[1]!;
  const port = await freePort();
  await mkdir('/run/sshd', { recursive: true });
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    `PidFile ${join(dir, 'pid')}`,
    `Subsystem sftp ${['internal-sftp', ...sftpArgs].join(' ')}`,
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), `${config}\n`);
  const sshd = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await accepting(port))) {
    if (Date.now() > deadline) throw new Error(`sshd did not listen on 127.0.0.1:${port} within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const user = userInfo().username;
  const command = `ssh -i ${key} -p ${port} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null ${user}@127.0.0.1 -s sftp`;
  return { port, user, key, hostKeySha256, resticArgs: ['-o', `sftp.command=${command}`], stop: () => sshd.kill('SIGTERM') };
}
