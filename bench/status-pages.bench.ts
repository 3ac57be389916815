import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg } from 'node:os';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
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
 * keeps), and 304s. nginx runs unprivileged with one worker on a loopback port (a temp config). A
 * bare Node `http.createServer` (bench/status-pages-bare.mjs, a process of its own) answers the same
 * bytes with the same header lists as Upkeep's fast path: the ceiling of any Node server here.
 * `UPKEEP_BENCH_WRK` and `UPKEEP_BENCH_NGINX` name the binaries, `UPKEEP_BENCH_STATUS_SECONDS` the
 * length of each run (default 5), `UPKEEP_BENCH_STATUS_ROUNDS` the runs of each (default 3, medians compared).
 */
export const title =
  'Status pages: a cached 20-component page with 90 days of history under wrk (1 thread, 50 connections), Upkeep vs bare Node vs nginx serving the same bytes';

const WRK = process.env.UPKEEP_BENCH_WRK ?? '/usr/bin/wrk';
const NGINX = process.env.UPKEEP_BENCH_NGINX ?? '/usr/sbin/nginx';
const SECONDS = Number(process.env.UPKEEP_BENCH_STATUS_SECONDS ?? 5);
const ROUNDS = Number(process.env.UPKEEP_BENCH_STATUS_ROUNDS ?? 3);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
const exec = promisify(execFile);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The headers as sent, flat (name, value, …). */
  raw: string[];
  body: Buffer;
}

const get = (url: string, headers: Record<string, string> = {}) =>
  new Promise<Answer>((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, raw: res.rawHeaders, body: Buffer.concat(chunks) }));
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

/** What bare Node answers on a path: Upkeep's bytes and writeHead header lists for one variant. */
interface BareRoute {
  etag: string;
  ok: string[];
  notModified: string[];
  body: string;
}

/** The headers of an answer as writeHead's flat list, less those Node's http writes itself. */
const listOf = (answer: Answer) => {
  const list: string[] = [];
  for (let i = 0; i < answer.raw.length; i += 2)
    if (!['date', 'connection', 'keep-alive'].includes(answer.raw[i]!.toLowerCase())) list.push(answer.raw[i]!, answer.raw[i + 1]!);
  return list;
};

/** The bytes a flat header list takes on the wire: each header is "name: value\r\n". */
const headerBytes = (list: string[]) => list.reduce((sum, part) => sum + part.length + 2, 0);

/** bench/status-pages-bare.mjs in a process of its own, serving `routes`; resolves once it listens. */
async function startBare(dir: string, routes: Record<string, BareRoute>, keepAliveTimeout: number) {
  writeFileSync(`${dir}/bare.json`, JSON.stringify({ keepAliveTimeout, routes }));
  const child = spawn(process.execPath, [fileURLToPath(new URL('status-pages-bare.mjs', import.meta.url)), `${dir}/bare.json`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (line: Buffer) => resolve(Number(line.toString().trim())));
    child.once('exit', (code) => reject(new Error(`bare Node server exited (${code})`)));
  });
  return { base: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
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
  let bare: { base: string; stop(): void } | undefined;
  try {
    const base = await runtime.http.listen({ port: 0, host: '127.0.0.1' });
    const page = `${base}/status/bench`;
    const revalidate = { 'accept-encoding': 'gzip, deflate, br' };
    // The fast path's answers (no request id: the full route adds one), each encoding once taught by the full route.
    const fastAnswer = async (headers: Record<string, string>) => {
      for (let attempt = 1; ; attempt++) {
        const answer = await get(page, headers);
        if (answer.headers['x-request-id'] === undefined) return answer;
        if (attempt === 5) throw new Error(`the fast path does not answer ${JSON.stringify(headers)}`);
      }
    };
    const variants: Record<string, { bytes: Buffer; encoding: string | undefined }> = {};
    const routes: Record<string, BareRoute> = {};
    for (const encoding of ['identity', 'gzip', 'br']) {
      const r = await fastAnswer({ 'accept-encoding': encoding });
      variants[encoding] = { bytes: r.body, encoding: r.headers['content-encoding'] as string | undefined };
      routes[`/${encoding}`] = { etag: String(r.headers.etag), ok: listOf(r), notModified: [], body: `${dir.path}/nginx/www/${encoding}` };
    }
    const notModifiedAnswer = await fastAnswer({ ...revalidate, 'if-none-match': routes['/br']!.etag });
    if (notModifiedAnswer.status !== 304) throw new Error(`the page answers ${notModifiedAnswer.status} to its own brotli ETag`);
    routes['/br']!.notModified = listOf(notModifiedAnswer);
    nginx = await startNginx(`${dir.path}/nginx`, variants, 'text/html; charset=utf-8');
    const keepAlive = Number(/timeout=(\d+)/.exec(String(notModifiedAnswer.headers['keep-alive']))?.[1] ?? 5);
    bare = await startBare(dir.path, routes, keepAlive * 1000);
    for (const [path, route] of Object.entries(routes)) {
      const answer = await get(`${bare.base}${path}`);
      if (answer.status !== 200 || !answer.body.equals(variants[path.slice(1)]!.bytes)) throw new Error(`bare Node does not serve ${path}`);
      if (listOf(answer).join('\n') !== route.ok.join('\n')) throw new Error(`bare Node's headers on ${path} differ from Upkeep's`);
    }
    const bareNotModified = await get(`${bare.base}/br`, { 'if-none-match': routes['/br']!.etag });
    if (bareNotModified.status !== 304 || listOf(bareNotModified).join('\n') !== routes['/br']!.notModified.join('\n'))
      throw new Error("bare Node's 304 differs from Upkeep's");
    const nginxEtag = String((await get(`${nginx.base}/identity`)).headers.etag);
    const figures: Record<string, string | number> = {
      'load average at the start (1, 5, 15 min)': loadavg()
        .map((l) => l.toFixed(2))
        .join(', '),
      'page (kB): identity / gzip / brotli': ['identity', 'gzip', 'br'].map((e) => (variants[e]!.bytes.length / 1024).toFixed(1)).join(' / '),
      'brotli headers (bytes, less Date, Connection, Keep-Alive): 200 / 304': `${headerBytes(routes['/br']!.ok)} / ${headerBytes(routes['/br']!.notModified)}`,
    };
    let errors = 0;
    // Upkeep, bare Node and nginx take turns, ROUNDS times each; the medians are compared (even a quiet machine moves
    // single runs by a fifth). `fresh` gives Upkeep's headers just before each run, and says after it whether they still held throughout.
    type Target = { url: string; headers: Record<string, string> };
    const compare = async (
      label: string,
      upkeepTarget: Target,
      bareTarget: Target,
      nginxTarget: Target,
      fresh?: { headers: () => Promise<Record<string, string>>; held: (headers: Record<string, string>) => Promise<boolean> },
    ) => {
      const rates: [number[], number[], number[]] = [[], [], []];
      const upkeep = async () => {
        for (let attempt = 1; ; attempt++) {
          const h = fresh ? await fresh.headers() : upkeepTarget.headers;
          const measured = await wrk(upkeepTarget.url, h);
          if (!fresh || (await fresh.held(h))) return measured;
          if (attempt === 3) throw new Error(`${label}: the page changed during each of 3 runs`);
        }
      };
      const measure = [upkeep, () => wrk(bareTarget.url, bareTarget.headers), () => wrk(nginxTarget.url, nginxTarget.headers)];
      for (let round = 0; round < ROUNDS; round++) {
        // Each round starts with another server, so none is always measured first or last.
        const runs: { rps: number; errors: number }[] = [];
        for (let k = 0; k < 3; k++) {
          const i = (round + k) % 3;
          runs[i] = await measure[i]!();
        }
        if (runs.some((r) => r.errors)) figures[`${label}: errors and non-2xx/3xx answers, Upkeep / bare Node / nginx`] = runs.map((r) => r.errors).join(' / ');
        runs.forEach((r, i) => {
          errors += r.errors;
          rates[i]!.push(r.rps);
        });
      }
      const [mu, mb, mn] = rates.map(median) as [number, number, number];
      const share = (a: number, b: number) => `${((100 * a) / b).toFixed(1)} %`;
      figures[`${label}: Upkeep / nginx (requests/s, median of ${ROUNDS})`] = `${Math.round(mu)} / ${Math.round(mn)}`;
      figures[`${label}: bare Node (requests/s, median of ${ROUNDS})`] = Math.round(mb);
      figures[`${label}: Upkeep as a share of nginx`] = share(mu, mn);
      figures[`${label}: Upkeep as a share of bare Node`] = share(mu, mb);
      figures[`${label}: bare Node as a share of nginx`] = share(mb, mn);
      return mu;
    };
    const to = (url: string, headers: Record<string, string> = {}) => ({ url, headers });
    const identity = await compare('identity', to(page), to(`${bare.base}/identity`), to(`${nginx.base}/identity`));
    const gzip = { 'accept-encoding': 'gzip' };
    await compare('gzip', to(page, gzip), to(`${bare.base}/gzip`, gzip), to(`${nginx.base}/gzip`, gzip));
    const brotli = await compare('brotli', to(page, revalidate), to(`${bare.base}/br`, revalidate), to(`${nginx.base}/br`, revalidate));
    // The page shows the minute it was rendered (it is rendered again every 30 s), so its ETag moves on within
    // a minute: a tag taken once at the start would measure brotli 200s. Each run sends the tag the page has
    // just before it, is checked to get a 304 with it, and runs again if the page changed meanwhile.
    const notModified = await compare(
      '304 (If-None-Match, brotli)',
      to(page),
      to(`${bare.base}/br`, { ...revalidate, 'if-none-match': routes['/br']!.etag }),
      to(`${nginx.base}/identity`, { 'if-none-match': nginxEtag }),
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
    bare?.stop();
    await runtime.stop();
    await core.close();
    dir.cleanup();
  }
}
