import { spawn, spawnSync } from 'node:child_process';
import { hasCommand } from './tools.js';

export const resticReady = hasCommand('restic', ['version']);
export const resticNeeds = 'the restic binary (apt-get install -y restic)';

/** Runs Debian's restic as the independent judge; throws with its output when it fails. */
export function restic(repo: string, password: string, args: string[], extraEnv: Record<string, string> = {}): string {
  const run = spawnSync('restic', ['-r', repo, '--no-cache', ...args], {
    env: { ...process.env, RESTIC_PASSWORD: password, ...extraEnv },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`restic ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run.stdout;
}

/** The same, without blocking the event loop: needed when the server restic talks to runs in this process. */
export function resticAsync(repo: string, password: string, args: string[], extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('restic', ['-r', repo, '--no-cache', ...args], { env: { ...process.env, RESTIC_PASSWORD: password, ...extraEnv } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`restic ${args.join(' ')} failed (${String(code)}):\n${out}\n${err}`))));
  });
}
