/**
 * Throughput and CPU cost of the guarded client against a loopback peer in another process.
 * Run: node --import tsx bench/net.ts [seconds per scenario, default 3]
 *
 * Prints rates and ratios only. The product's budget: 50,000 monitors at 60 s is ~830 checks a
 * second, so a scenario should show well over 1,000 requests/s at well under 1 ms of CPU each.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { closeIdleConnections, createResolver, httpRequest, type HttpRequestOptions } from '../src/lib/net/index.js';

const seconds = Number(process.argv[2] ?? 3);
const concurrency = 64;
const MiB = 1024 * 1024;

const target = spawn(process.execPath, ['--import', 'tsx', new URL('./net-target.ts', import.meta.url).pathname], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const firstLine = await new Promise<string>((resolve) => createInterface({ input: target.stdout }).once('line', resolve));
const peer = JSON.parse(firstLine) as { http: number; https: number; bomb: number; dns: string; ca: string };

const policy = { allowPrivate: true };
const resolver = createResolver({ servers: [peer.dns], timeoutMs: 1000, tries: 2 });
const base: HttpRequestOptions = { policy, resolver, deadlineMs: 10_000, tls: { ca: peer.ca } };

async function scenario(name: string, url: string, opts: Partial<HttpRequestOptions> = {}): Promise<void> {
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
  const rss = process.memoryUsage.rss() / MiB;
  console.log(
    `${name.padEnd(40)} ${(done / elapsed).toFixed(0).padStart(6)} req/s  ${cpuMsPerRequest.toFixed(3)} ms CPU/req  ` +
      `${failed} failed  rss ${rss.toFixed(0)} MiB`,
  );
}

async function bombs(count: number): Promise<void> {
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  const outcomes = await Promise.allSettled(Array.from({ length: count }, () => httpRequest(`http://127.0.0.1:${peer.bomb}/`, { ...base, deadlineMs: 5000 })));
  clearInterval(sampler);
  const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { kind?: string }).kind === 'decompression_limit').length;
  console.log(
    `${(count === 1 ? 'one gzip bomb (1 GiB)' : `${count} gzip bombs at once (1 GiB each)`).padEnd(40)} ${refused}/${count} refused  peak RSS growth ${((peak - baseline) / MiB).toFixed(1)} MiB`,
  );
}

console.log(`node ${process.version}, ${concurrency} concurrent requests, ${seconds} s per scenario\n`);
await scenario('warm-up', `http://127.0.0.1:${peer.http}/`);
await scenario('http, keep-alive, IP literal', `http://127.0.0.1:${peer.http}/`);
await scenario('http, keep-alive, name via loopback DNS', `http://site.upkeep.test:${peer.http}/`);
await scenario('http, new connection each', `http://site.upkeep.test:${peer.http}/close`);
await scenario('https, keep-alive', `https://site.upkeep.test:${peer.https}/`);
await scenario('https, new connection + handshake each', `https://site.upkeep.test:${peer.https}/close`);
await bombs(1);
await bombs(16);
closeIdleConnections();
target.stdin.end();
