import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { root, timed } from './timed.js';
import { median } from './median.js';

export const title =
  'CLI start-up: CPU seconds before `upkeep` answers (median of 7 runs), compiled and through tsx; CLI_BENCH_BASELINE=<another built checkout> adds its figures and the ratio';

const commands: Record<string, string[]> = {
  '--version': ['--version'],
  '--help': ['--help'],
  'backup --help': ['backup', '--help'],
  'validate (the example config)': ['validate', '--config', 'examples/upkeep.yaml'],
};

/** The median CPU seconds of `node <entry> <args>` run from `cwd`. */
function cpu(cwd: string, entry: string[], args: string[]): number {
  const env = { UPKEEP_WEBHOOK_SECRET: 'a-secret-of-enough-length' };
  return median(Array.from({ length: 7 }, () => timed(['bash', '-c', 'cd "$0" && exec "$@"', cwd, process.execPath, ...entry, ...args], env).cpuSeconds));
}

export async function run(): Promise<Record<string, number | string>> {
  if (!existsSync(join(root, 'dist/cli/main.js'))) return { skipped: 'build first: npm run build' };
  const baseline = process.env.CLI_BENCH_BASELINE ? resolve(process.env.CLI_BENCH_BASELINE) : undefined;
  if (baseline && !existsSync(join(baseline, 'dist/cli/main.js'))) return { skipped: `${baseline} has no dist/cli/main.js: build it first` };
  const figures: Record<string, number> = { 'node -e 0 (the floor): CPU s': cpu(root, ['-e', '0'], []) };
  for (const [name, args] of Object.entries(commands)) {
    const compiled = cpu(root, ['bin/upkeep.js'], args);
    figures[`upkeep ${name}: CPU s`] = compiled;
    figures[`upkeep ${name} through tsx (npm run dev, tests): CPU s`] = cpu(root, ['--import', 'tsx', 'src/cli/main.ts'], args);
    if (baseline) {
      const before = cpu(baseline, ['bin/upkeep.js'], args);
      figures[`upkeep ${name}, baseline: CPU s`] = before;
      figures[`upkeep ${name}: baseline / this`] = before / compiled;
    }
  }
  return figures;
}
