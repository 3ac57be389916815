import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Run {
  seconds: number;
  /** user + sys of the command and every thread and child it ran, as bash's `times` reports them. */
  cpuSeconds: number;
  out: string;
}

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command from the project's folder and measures its wall and CPU time; a failure throws. */
export function timed(command: string[], env: Record<string, string>): Run {
  const started = performance.now();
  const run = spawnSync('bash', ['-c', '"$@"; status=$?; times >&2; exit $status', 'bash', ...command], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`${command.join(' ')} failed (${String(run.status)}): ${run.stderr}`);
  // The last line of `times` is the children's: "0m3.120s 0m0.450s".
  const cpuSeconds = run.stderr
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ')
    .reduce((sum, t) => {
      const [, m = '0', s = '0'] = /(\d+)m([\d.]+)s/.exec(t) ?? [];
      return sum + Number(m) * 60 + Number(s);
    }, 0);
  return { seconds, cpuSeconds, out: run.stdout };
}
