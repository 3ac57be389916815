/**
 * Throughput and CPU cost of the guarded client against a loopback peer in another process.
 * Run: npm run bench net (UPKEEP_BENCH_SECONDS sets the seconds per scenario, default 3).
 *
 * Prints rates and ratios only. The product's budget: 50,000 monitors at 60 s is ~830 checks a
 * second, so a scenario should show well over 1,000 requests/s at well under 1 ms of CPU each.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { closeIdleConnections, createResolver, httpRequest, type HttpRequestOptions } from '../src/lib/net/index.js';

const seconds = Number(process.env.UPKEEP_BENCH_SECONDS ?? 3);
const concurrency = 64;
const MiB = 1024 * 1024;

export const title = `Guarded network client: ${concurrency} concurrent requests against a loopback peer in another process, ${seconds} s per scenario`;

type Peer = { http: number; https: number; bomb: number; dns: string; ca: string };
type Figures = Record<string, string | number>;

async function scenario(figures: Figures, base: HttpRequestOptions, name: string, url: string, opts: Partial<HttpRequestOptions> = {}): Promise<void> {
  closeIdleConnections();
  const stopAt = performance.now() + seconds * 1000;
  let done = 0;
  let failed = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < stopAt) {
        try {
          const res = await httpRequest(url, { ...base, ...opts });
          if (res.status === 200) done++;
          else failed++;
        } catch {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuMsPerRequest = (used.user + used.system) / 1000 / Math.max(done, 1);
  figures[`${name} (req/s)`] = Math.round(done / elapsed);
  figures[`${name} (ms CPU/req)`] = Number(cpuMsPerRequest.toFixed(3));
  if (failed) figures[`${name} (failed)`] = failed;
}

async function bombs(figures: Figures, base: HttpRequestOptions, peer: Peer, count: number): Promise<void> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const outcomes = await Promise.allSettled(Array.from({ length: count }, () => httpRequest(`http://127.0.0.1:${peer.bomb}/`, { ...base, deadlineMs: 5000 })));
  clearInterval(sampler);
  const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { kind?: string }).kind === 'decompression_limit').length;
  const label = count === 1 ? 'one gzip bomb (1 GiB)' : `${count} gzip bombs at once (1 GiB each)`;
  figures[`${label}: refused`] = `${refused}/${count}`;
  figures[`${label}: peak RSS growth (MiB)`] = Number(((peak - baseline) / MiB).toFixed(1));
}

export async function run(): Promise<Figures> {
  const target = spawn(process.execPath, ['--import', 'tsx', new URL('./net-target.ts', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'inherit'] });
  const firstLine = await new Promise<string>((resolve) => createInterface({ input: target.stdout }).once('line', resolve));
  const peer = JSON.parse(firstLine) as Peer;
  const resolver = createResolver({ servers: [peer.dns], timeoutMs: 1000, tries: 2 });
  const base: HttpRequestOptions = { policy: { allowPrivate: true }, resolver, deadlineMs: 10_000, tls: { ca: peer.ca } };
  const figures: Figures = {};
  try {
    await scenario({}, base, 'warm-up', `http://127.0.0.1:${peer.http}/`);
    await scenario(figures, base, 'http, keep-alive, IP literal', `http://127.0.0.1:${peer.http}/`);
    await scenario(figures, base, 'http, keep-alive, name via loopback DNS', `http://site.upkeep.test:${peer.http}/`);
    await scenario(figures, base, 'http, new connection each', `http://site.upkeep.test:${peer.http}/close`);
    await scenario(figures, base, 'https, keep-alive', `https://site.upkeep.test:${peer.https}/`);
    await scenario(figures, base, 'https, new connection + handshake each', `https://site.upkeep.test:${peer.https}/close`);
    await bombs(figures, base, peer, 1);
    await bombs(figures, base, peer, 16);
  } finally {
    closeIdleConnections();
    target.stdin.end();
  }
  return figures;
}
