import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';

/** CI installs every real tool the suites need; there a missing one is a failure, locally a skip. */
export const inCi = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

export function hasCommand(command: string, args: string[] = ['--version']): boolean {
  const run = spawnSync(command, args, { stdio: 'ignore' });
  return run.error === undefined && run.status === 0;
}

/**
 * `describe` that runs only when `ready` is true: otherwise it prints why it is skipped, or fails in CI.
 *
 * @example describeWhen(hasCommand('restic', ['version']), 'restic (apt-get install -y restic)', 'interop', () => {…})
 */
export function describeWhen(ready: boolean, needs: string, title: string, body: () => void): void {
  if (ready) {
    describe(title, body);
    return;
  }
  if (inCi) {
    describe(title, () => {
      it(`needs ${needs}`, () => {
        throw new Error(`${title}: ${needs} is missing, and CI must have it`);
      });
    });
    return;
  }
  console.warn(`[skip] ${title}: ${needs} is not available on this machine`);
  describe.skip(title, body);
}
