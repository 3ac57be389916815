import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * `npm run bench [name…]`: runs every bench/*.bench.ts (or the named ones) one after the other,
 * prints each one's figures as a table and writes them to bench/results/<name>.json.
 * Figures are rates and ratios; nothing here is an assertion.
 */
export interface BenchModule {
  title: string;
  run(): Promise<Record<string, string | number>>;
}

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
mkdirSync(`${dir}/results`, { recursive: true });

for (const file of files) {
  const mod = (await import(`./${file}`)) as BenchModule;
  process.stdout.write(`\n${mod.title}\n`);
  // Whether the machine was quiet decides what the figures are worth: said with every bench.
  const machine = `${availableParallelism()} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${loadavg()[0]!.toFixed(2)} at start`;
  const figures: Record<string, string | number> = { machine, ...(await mod.run()) };
  figures.machine = `${machine}, ${loadavg()[0]!.toFixed(2)} at the end`;
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [key, value] of Object.entries(figures))
    process.stdout.write(`  ${key.padEnd(width)}  ${typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : value}\n`);
  writeFileSync(`${dir}/results/${file.replace('.bench.ts', '.json')}`, JSON.stringify({ title: mod.title, at: new Date().toISOString(), figures }, null, 2));
}
