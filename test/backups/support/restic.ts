import { spawnSync } from 'node:child_process';
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
