import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { root, timed } from './timed.js';

export const title = 'CLI start-up: CPU seconds of the compiled `upkeep` before it answers (median of 7 runs; a command loads only what it runs)';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function run(): Promise<Record<string, number | string>> {
  if (!existsSync(join(root, 'dist/cli/main.js'))) return { skipped: 'build first: npm run build' };
  const env = { UPKEEP_WEBHOOK_SECRET: 'a-secret-of-enough-length' };
  const commands: Record<string, string[]> = {
    'node -e 0 (the floor)': ['-e', '0'],
    'upkeep --version': ['bin/upkeep.js', '--version'],
    'upkeep --help': ['bin/upkeep.js', '--help'],
    'upkeep validate (the example config)': ['bin/upkeep.js', 'validate', '--config', 'examples/upkeep.yaml'],
  };
  const figures: Record<string, number> = {};
  for (const [name, args] of Object.entries(commands)) {
    figures[`${name}: CPU s`] = median(Array.from({ length: 7 }, () => timed([process.execPath, ...args], env).cpuSeconds));
  }
  return figures;
}
