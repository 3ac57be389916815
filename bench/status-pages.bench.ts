import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { openCore } from '../src/app.js';
import { readEnvironment } from '../src/config/env.js';
import { parseConfig } from '../src/config-file.js';
import { silentLogger } from '../src/lib/logger.js';
import { createRuntime } from '../src/runtime.js';
import { tempDir } from '../test/support/databases.js';
import { seedHistory } from '../test/support/status-history.js';

/**
 * A cached status page under wrk (1 thread, 50 connections), against nginx serving the very same
 * bytes from files on the same machine: identity, gzip and brotli (the precompressed variants Upkeep
 * keeps), and 304s. nginx runs unprivileged with one worker on a loopback port (a temp config);
 * `UPKEEP_BENCH_WRK` and `UPKEEP_BENCH_NGINX` name the binaries, `UPKEEP_BENCH_STATUS_SECONDS` the
 * length of each run (default 5), `UPKEEP_BENCH_STATUS_ROUNDS` the runs of each (default 3, medians compared).
 */
export const title =
  'Status pages: a cached 20-component page with 90 days of history under wrk (1 thread, 50 connections), Upkeep vs nginx serving the same bytes';

const WRK = process.env.UPKEEP_BENCH_WRK ?? '/usr/bin/wrk';
const NGINX = process.env.UPKEEP_BENCH_NGINX ?? '/usr/sbin/nginx';
const SECONDS = Number(process.env.UPKEEP_BENCH_STATUS_SECONDS ?? 5);
const ROUNDS = Number(process.env.UPKEEP_BENCH_STATUS_ROUNDS ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const exec = promisify(execFile);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const get = (url: string, headers: Record<string, string> = {}) =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });

/** Requests per second that wrk measured, with the non-2xx/3xx count (which must be 0). */
async function wrk(url: string, headers: Record<string, string> = {}): Promise<{ rps: number; errors: number }> {
  const args = ['-t1', '-c50', `-d${SECONDS}s`, ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const { stdout } = await exec(WRK, args);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
  const socket = /Socket errors:(.*)/.exec(stdout)?.[1] ?? '';
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0) + [...socket.matchAll(/\d+/g)].reduce((s, m) => s + Number(m[0]), 0);
  return { rps, errors };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

/** nginx with one worker serving each variant as a file, with the Content-Type and Content-Encoding Upkeep sends. */
async function startNginx(dir: string, variants: Record<string, { bytes: Buffer; encoding: string | undefined }>, type: string) {
  const port = await freePort();
  for (const [name, v] of Object.entries(variants)) writeFileSync(`${dir}/www/${name}`, v.bytes);
  const locations = Object.entries(variants)
    .map(([name, v]) => `location = /${name} { default_type "${type}"; ${v.encoding ? `add_header Content-Encoding ${v.encoding};` : ''} }`)
    .join('\n      ');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/tmp/${t};`).join(' ');
  writeFileSync(
    `${dir}/nginx.conf`,
    `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
    events { worker_connections 1024; }
    http { access_log off; ${temp} types {} keepalive_requests 1000000;
      server { listen 127.0.0.1:${port}; root ${dir}/www;
      ${locations}
      } }`,
  );
  const child = spawn(NGINX, ['-p', dir, '-c', `${dir}/nginx.conf`], { stdio: 'inherit' });
  const base = `http://127.0.0.1:${port}`;
  const stop = () => child.kill('SIGTERM');
  for (let i = 0; ; i++) {
    const answer = await get(`${base}/identity`).catch(() => undefined);
    if (answer?.status === 200 && answer.body.equals(variants.identity!.bytes)) break;
    if (i === 100) {
      stop();
      throw new Error(`nginx does not serve the page (${answer?.status ?? 'no answer'}): ${readFileSync(`${dir}/error.log`, 'utf8').slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { base, stop };
}

export async function run(): Promise<Record<string, string | number>> {
  const dir = tempDir();
  // Run as root, nginx's worker drops to an unprivileged user that must be able to read the files.
  chmodSync(dir.path, 0o755);
  mkdirSync(`${dir.path}/nginx/www`, { recursive: true });
  mkdirSync(`${dir.path}/nginx/tmp`, { recursive: true });
  const core = await openCore({ dataDir: `${dir.path}/data`, env: readEnvironment({}, false), logger: silentLogger() });
  const file = {
    sites: Array.from({ length: 20 }, (_, i) => ({
      name: `Site ${i}`,
      monitors: [{ name: 'Home', type: 'http', url: `http://127.0.0.1:9/${i}`, interval: '24h', paused: true }],
    })),
    statusPages: [
      {
        slug: 'bench',
        title: 'Bench status',
        components: Array.from({ length: 20 }, (_, i) => ({ name: `Component number ${i + 1}`, monitors: [`Site ${i}/Home`] })),
      },
    ],
  };
  const loaded = parseConfig(stringify(file), 'bench.yaml', {});
  await core.sync.apply(loaded, { dryRun: false });
  const ids = (await core.sites.listMonitors({ limit: 50 })).items.map((m) => m.id);
  await seedHistory(core.storage.db, ids, 89, Date.now(), (id, ago) => ((id + ago) % 17 === 0 ? 6 : 0));
  // As in production the page is rendered again every 30 s: the first requests after that take the full route.
  const runtime = await createRuntime(core, loaded.config);
  await runtime.start();
  let nginx: { base: string; stop(): void } | undefined;
  try {
    const base = await runtime.http.listen({ port: 0, host: '127.0.0.1' });
    const page = `${base}/status/bench`;
    const variants: Record<string, { bytes: Buffer; encoding: string | undefined }> = {};
    for (const encoding of ['identity', 'gzip', 'br']) {
      const r = await get(page, { 'accept-encoding': encoding });
      variants[encoding] = { bytes: r.body, encoding: r.headers['content-encoding'] as string | undefined };
    }
    nginx = await startNginx(`${dir.path}/nginx`, variants, 'text/html; charset=utf-8');
    const nginxEtag = String((await get(`${nginx.base}/identity`)).headers.etag);
    const figures: Record<string, string | number> = {
      'load average at the start (1, 5, 15 min)': loadavg()
        .map((l) => l.toFixed(2))
        .join(', '),
      'page (kB): identity / gzip / brotli': ['identity', 'gzip', 'br'].map((e) => (variants[e]!.bytes.length / 1024).toFixed(1)).join(' / '),
    };
    let errors = 0;
    // Upkeep and nginx take turns, ROUNDS times each; the medians are compared (a busy machine moves single runs a lot).
    // `fresh` gives Upkeep's headers just before each run, and says after it whether they still held throughout.
    const pair = async (
      label: string,
      upkeepUrl: string,
      nginxUrl: string,
      headers: Record<string, string>,
      nginxHeaders = headers,
      fresh?: { headers: () => Promise<Record<string, string>>; held: (headers: Record<string, string>) => Promise<boolean> },
    ) => {
      const u: number[] = [];
      const n: number[] = [];
      const upkeep = async () => {
        for (let attempt = 1; ; attempt++) {
          const h = fresh ? await fresh.headers() : headers;
          const measured = await wrk(upkeepUrl, h);
          if (!fresh || (await fresh.held(h))) return measured;
          if (attempt === 3) throw new Error(`${label}: the page changed during each of 3 runs`);
        }
      };
      for (let round = 0; round < ROUNDS; round++) {
        const [a, b] = [await upkeep(), await wrk(nginxUrl, nginxHeaders)];
        if (a.errors + b.errors) figures[`${label}: errors and non-2xx/3xx answers, Upkeep / nginx`] = `${a.errors} / ${b.errors}`;
        errors += a.errors + b.errors;
        u.push(a.rps);
        n.push(b.rps);
      }
      const [mu, mn] = [median(u), median(n)];
      figures[`${label}: Upkeep / nginx (requests/s, median of ${ROUNDS})`] = `${Math.round(mu)} / ${Math.round(mn)}`;
      figures[`${label}: Upkeep as a share of nginx`] = `${((100 * mu) / mn).toFixed(1)} %`;
      return mu;
    };
    const identity = await pair('identity', page, `${nginx.base}/identity`, {});
    await pair('gzip', page, `${nginx.base}/gzip`, { 'accept-encoding': 'gzip' });
    const brotli = await pair('brotli', page, `${nginx.base}/br`, { 'accept-encoding': 'gzip, deflate, br' });
    // The page shows the minute it was rendered (it is rendered again every 30 s), so its ETag moves on within
    // a minute: a tag taken once at the start would measure brotli 200s. Each run sends the tag the page has
    // just before it, is checked to get a 304 with it, and runs again if the page changed meanwhile.
    const revalidate = { 'accept-encoding': 'gzip, deflate, br' };
    const notModified = await pair(
      '304 (If-None-Match, brotli)',
      page,
      `${nginx.base}/identity`,
      {},
      { 'if-none-match': nginxEtag },
      {
        headers: async () => {
          const h = { ...revalidate, 'if-none-match': String((await get(page, revalidate)).headers.etag) };
          const answer = await get(page, h);
          if (answer.status !== 304) throw new Error(`304 case: the page answers ${answer.status} to its own ETag`);
          return h;
        },
        held: async (h) => (await get(page, h)).status === 304,
      },
    );
    figures['304 / identity 200 rate (Upkeep)'] = Number((notModified / identity).toFixed(2));
    figures['304 / brotli 200 rate (Upkeep)'] = Number((notModified / brotli).toFixed(2));
    // A query string always takes the full Fastify route (access check, routing, hooks): the path every request took before.
    const full = await wrk(`${page}?full-route`);
    errors += full.errors;
    figures['identity through the full Fastify route (requests/s)'] = Math.round(full.rps);
    figures['fast path / full route'] = Number((identity / full.rps).toFixed(2));
    figures['errors and non-2xx/3xx answers'] = errors;
    figures['load average at the end (1, 5, 15 min)'] = loadavg()
      .map((l) => l.toFixed(2))
      .join(', ');
    return figures;
  } finally {
    nginx?.stop();
    await runtime.stop();
    await core.close();
    dir.cleanup();
  }
}
