import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { until } from '../support/receivers.js';

/**
 * The package people install: `npm pack` (which builds dist/ and web/dist through `prepare`) makes the
 * tarball, `npm i -g --prefix` installs it like on a clean machine (dependencies from npm's cache or the
 * registry, native modules built or taken from their prebuilds, no devDependencies), and the installed
 * `upkeep start` serves the dashboard from an empty data directory, outside the project folder.
 * Slow by nature (a full build and a real install): minutes on a busy machine.
 */
const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
const work = tempDir('upkeep-package-');
const prefix = join(work.path, 'prefix');
const installed = join(prefix, 'lib/node_modules/upkeep');
const upkeep = join(prefix, 'bin/upkeep');

/** The environment of someone's shell: no npm script variables, no Upkeep settings, not the project's .bin. */
function shellEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!/^(npm_|UPKEEP_|NODE_OPTIONS$|VITEST)/i.test(key)) env[key] = value;
  env.PATH = (process.env.PATH ?? '')
    .split(':')
    .filter((p) => !p.includes('node_modules'))
    .join(':');
  return env;
}

/** Runs a command to its end (asynchronously, so the hook's timeout can still fire); a failure throws with its output. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...shellEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${command} ${args.join(' ')} failed (${String(code)}):\n${stdout}\n${stderr.slice(-4_000)}`)),
    );
  });
}

/**
 * better-sqlite3 and zstd-napi take a prebuilt binary from their GitHub releases when installed, else compile
 * from source (most of half an hour on a shared two-core machine). This machine reaches the npm registry only,
 * so their documented local-prebuilds setting points them at tarballs, named and laid out as their releases
 * are, of the binaries `npm ci` built in this checkout for this Node.js. Everything else installs as anywhere.
 */
async function localPrebuilds(dir: string): Promise<NodeJS.ProcessEnv> {
  mkdirSync(dir);
  const env: NodeJS.ProcessEnv = {};
  const binaries = [
    { name: 'better-sqlite3', file: 'better_sqlite3.node', abi: () => `node-v${process.versions.modules}` },
    { name: 'zstd-napi', file: 'binding.node', abi: (pkg: { binary: { napi_versions: number[] } }) => `napi-v${Math.max(...pkg.binary.napi_versions)}` },
  ];
  for (const { name, file, abi } of binaries) {
    const folder = join(projectRoot, 'node_modules', name);
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string; binary: { napi_versions: number[] } };
    const tarball = join(dir, `${name}-v${pkg.version}-${abi(pkg)}-${process.platform}-${process.arch}.tar.gz`);
    await run('tar', ['-czf', tarball, '-C', folder, `build/Release/${file}`], folder);
    env[`npm_config_${name.replace(/-/g, '_')}_local_prebuilds`] = dir;
  }
  return env;
}

describe('the npm package', () => {
  let tarball: string;
  let files: string[];

  beforeAll(async () => {
    const packed = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', work.path], projectRoot)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(work.path, packed[0]!.filename);
    files = packed[0]!.files.map((f) => f.path);
    const prebuilds = await localPrebuilds(join(work.path, 'prebuilds'));
    await run('npm', ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], work.path, prebuilds);
  }, 1_200_000);
  afterAll(() => work.cleanup(), 300_000);

  it('holds the built server and dashboard, not the sources, tests or source maps', () => {
    expect(files).toEqual(expect.arrayContaining(['bin/upkeep.js', 'dist/cli/main.js', 'dist/db/migrations/index.js', 'web/dist/index.html', 'package.json']));
    expect(files.some((f) => f.startsWith('web/dist/assets/'))).toBe(true);
    // Data files the server reads at run time, from where dist/ finds them.
    expect(files).toEqual(expect.arrayContaining(['src/updates/data/snapshot.json.gz', 'src/audits/security/data/retirejs-vulns.json']));
    expect(files.filter((f) => /\.ts$|\.map$|^test\/|\.test\.js$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
  });

  it('installs without devDependencies and answers --version', async () => {
    for (const dev of ['tsx', 'vitest', 'typescript', 'vite']) expect(existsSync(join(installed, 'node_modules', dev)), dev).toBe(false);
    expect((await run(upkeep, ['--version'], work.path)).trim()).toBe(version);
  });

  it('starts from an empty data directory: ready, healthy, and serving the dashboard', async () => {
    const home = join(work.path, 'home');
    mkdirSync(home);
    const child = spawn(upkeep, ['start', '--data-dir', join(home, 'data'), '--port', '0'], {
      cwd: home,
      env: { ...shellEnv(), UPKEEP_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await until(
        'the installed server to listen',
        () => {
          if (child.exitCode !== null) throw new Error(`upkeep start exited with ${child.exitCode}:\n${output}`);
          return /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
        },
        120_000,
      );
      const ready = await until('/readyz to answer 200', async () => ((await fetch(`${url}/readyz`)).ok ? true : undefined), 60_000);
      expect(ready).toBe(true);
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('<div id="root">');
      const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeDefined();
      const asset = await fetch(`${url}${script!}`);
      expect(asset.status).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(1000);
      expect(existsSync(join(home, 'data', 'upkeep.db'))).toBe(true);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, output).toBe(0);
  }, 240_000);
});
