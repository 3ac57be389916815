import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSshd, sshReady } from '../test/backups/support/sshd.js';
import { inventoryOverSsh } from '../src/updates/ssh/inventory.js';

export const title =
  'Updates: inventory of 500 sites over loopback sshd (WordPress core, 12 plugins, 3 themes, composer.lock, package-lock.json, the host dpkg status and os-release, the version commands), 8 at a time';

const SITES = Number(process.env.UPKEEP_BENCH_SITES ?? 500);
const PARALLEL = 8;
const fixtures = fileURLToPath(new URL('../test/updates/fixtures/site-files/', import.meta.url));

/** One site's folder: what a small WordPress with Composer and npm lock files holds for the readers. */
async function makeTemplate(dir: string): Promise<void> {
  await mkdir(join(dir, 'wp-includes'), { recursive: true });
  await writeFile(join(dir, 'wp-includes', 'version.php'), "<?php\n$wp_version = '6.4.3';\n$wp_db_version = 56657;\n");
  for (let i = 0; i < 12; i++) {
    const plugin = join(dir, 'wp-content', 'plugins', `plugin-${i}`);
    await mkdir(plugin, { recursive: true });
    await writeFile(join(plugin, `plugin-${i}.php`), `<?php\n/**\n * Plugin Name: Plugin ${i}\n * Version: 1.${i}.0\n */\n${'// code\n'.repeat(200)}`);
    await writeFile(join(plugin, 'readme.txt'), `=== Plugin ${i} ===\nStable tag: 1.${i}.0\n\n${'Text. '.repeat(300)}\n`);
  }
  for (const theme of ['twentytwentytwo', 'twentytwentythree', 'shop-child']) {
    await mkdir(join(dir, 'wp-content', 'themes', theme), { recursive: true });
    await writeFile(join(dir, 'wp-content', 'themes', theme, 'style.css'), `/*\nTheme Name: ${theme}\nVersion: 1.2\n*/\nbody { margin: 0 }\n`);
  }
  await cp(join(fixtures, 'composer.lock'), join(dir, 'composer.lock'));
  await cp(join(fixtures, 'package-lock.v3.json'), join(dir, 'package-lock.json'));
}

/** CPU seconds (user + system) a process and its reaped children used, from /proc (sshd forks a process per connection). */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks / 100;
}

export async function run(): Promise<Record<string, string | number>> {
  if (!sshReady) return { sshd: 'not installed (apt-get install -y openssh-server restic)' };
  const work = await mkdtemp(join(tmpdir(), 'upkeep-bench-updates-'));
  try {
    const sshd = await startSshd(join(work, 'ssh'));
    const sshdPid = Number(readFileSync(join(work, 'ssh', 'pid'), 'utf8'));
    try {
      await makeTemplate(join(work, 'template'));
      for (let i = 0; i < SITES; i++) await cp(join(work, 'template'), join(work, 'sites', `site-${i}`), { recursive: true });
      const target = (i: number) => ({
        host: '127.0.0.1',
        port: sshd.port,
        username: sshd.user,
        privateKeyPath: sshd.key,
        knownHostsFile: join(work, 'known_hosts'),
        root: join(work, 'sites', `site-${i}`),
      });
      // One site first: pins the host key and warms the code paths, outside the measurement.
      const first = await inventoryOverSsh(target(0));
      const cpuBefore = process.cpuUsage();
      const sshdBefore = cpuOf(sshdPid);
      const started = performance.now();
      let next = 0;
      let components = 0;
      let problems = 0;
      const worker = async () => {
        while (next < SITES) {
          const inventory = await inventoryOverSsh(target(next++));
          components += inventory.components.length;
          problems += inventory.problems.length;
        }
      };
      await Promise.all(Array.from({ length: PARALLEL }, worker));
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const upkeepCpu = (cpu.user + cpu.system) / 1e6;
      const sshdCpu = cpuOf(sshdPid) - sshdBefore;
      return {
        sites: SITES,
        'components per site': Math.round(components / SITES),
        'files read per site': first.files.length,
        'commands run per site': first.commands.length,
        problems: problems,
        'wall seconds': seconds,
        'sites per minute': (SITES / seconds) * 60,
        'Upkeep CPU ms per site': (upkeepCpu / SITES) * 1000,
        'sshd + sessions CPU ms per site': (sshdCpu / SITES) * 1000,
      };
    } finally {
      sshd.stop();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
