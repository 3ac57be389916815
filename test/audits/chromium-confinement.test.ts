import { spawnSync } from 'node:child_process';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBrowser } from '../../src/audits/browser/chromium.js';
import { resolveUser } from '../../src/audits/browser/launch.js';
import { defaultAuditsConfig } from '../../src/audits/config.js';
import type { AuditContext } from '../../src/audits/context.js';
import { createAuditNet } from '../../src/audits/net.js';
import type { Core } from '../../src/app.js';
import { openTestCore } from '../support/core.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { chromiumSkip } from './support.js';

interface ChromiumProcess {
  pid: number;
  uid: number;
  type: string | undefined;
  seccomp: number;
  env: string[];
}

/** Every process of the Chromium that uses this proxy port (the browser, its zygotes, renderers, utilities). */
async function chromiumProcesses(proxyPort: number): Promise<ChromiumProcess[]> {
  const found: ChromiumProcess[] = [];
  const browsers = new Set<number>();
  const all = (await readdir('/proc')).filter((p) => /^\d+$/.test(p)).map(Number);
  const info = async (pid: number) => {
    const [cmdline, status, environ] = await Promise.all(['cmdline', 'status', 'environ'].map((f) => readFile(`/proc/${pid}/${f}`, 'utf8').catch(() => '')));
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status!)?.[1] ?? -1);
    // Chromium rewrites its children's command lines into one string: read it with spaces.
    const command = cmdline!.replace(/\0/g, ' ');
    const type = /--type=(\S+)/.exec(command)?.[1];
    return { pid, command, type, ppid: field('PPid'), uid: field('Uid'), seccomp: field('Seccomp'), env: environ!.split('\0').filter(Boolean) };
  };
  const procs = await Promise.all(all.map(info));
  for (const p of procs) if (p.command.includes(`--proxy-server=http://127.0.0.1:${proxyPort} `) && !p.type) browsers.add(p.pid);
  // Children of the browser, and their children (the zygote forks the renderers).
  for (let depth = 0; depth < 4; depth++) for (const p of procs) if (browsers.has(p.ppid)) browsers.add(p.pid);
  for (const p of procs.filter((q) => browsers.has(q.pid) && q.command)) found.push({ pid: p.pid, uid: p.uid, type: p.type, seccomp: p.seccomp, env: p.env });
  return found;
}

/**
 * A hostile page runs in audits' Chromium. Whatever it achieves inside the browser, the browser must
 * not be able to read Upkeep's secret key or database: it never runs as their owner, and its
 * renderers are sandboxed where the system allows (here it does).
 */
describe.skipIf(chromiumSkip)("audits' Chromium is confined away from the data directory", () => {
  let db: TestDatabase;
  let core: Core;
  let site: TestServer;
  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    core = await openTestCore(db);
    // A data directory others may enter (as a plain mkdir makes it), with a harmless file beside the secrets.
    await chmod(db.dataDir, 0o755);
    await writeFile(join(db.dataDir, 'readme.txt'), 'nothing secret here', { mode: 0o644 });
    site = await startHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<p>hostile page</p><script>fetch("file:///etc/hostname").catch(() => undefined)</script>');
    });
  });
  afterAll(async () => {
    await site?.close();
    await core?.close();
    await db?.cleanup();
  });

  const ctx = (): AuditContext => ({
    url: new URL(site.url('/')),
    net: createAuditNet({ allowPrivate: true }),
    config: defaultAuditsConfig(),
    ports: {},
    step: () => undefined,
  });

  it('never runs as the owner of secret.key and the database, cannot read them, gets none of Upkeep’s environment, and sandboxes its renderers', async () => {
    const owner = (await stat(join(db.dataDir, 'secret.key'))).uid;
    process.env.UPKEEP_CANARY = 'a value the browser must not see';
    expect((await stat(join(db.dataDir, 'upkeep.db'))).mode & 0o077).toBe(0);
    const seen = await withBrowser(ctx(), async (session) => {
      const context = await session.newContext();
      await (await context.newPage()).goto(site.url('/'));
      const read = async (file: string) => {
        const page = await context.newPage();
        try {
          return await page.goto(`file://${join(db.dataDir, file)}`).then(
            async () => (await page.textContent('body')) ?? '',
            (err: Error) => `refused: ${err.message.split('\n')[0]}`,
          );
        } finally {
          await page.close();
        }
      };
      return {
        processes: await chromiumProcesses(session.proxy.port),
        readme: await read('readme.txt'),
        secret: await read('secret.key'),
        database: await read('upkeep.db'),
      };
    }).finally(() => delete process.env.UPKEEP_CANARY);
    const key = (await readFile(join(db.dataDir, 'secret.key'), 'utf8')).trim();
    // The file:// route works (the harmless file is read): it is the account that stops the others.
    expect(seen.readme).toContain('nothing secret here');
    expect(seen.secret).not.toContain(key);
    expect(seen.secret).toMatch(/^refused: .*ERR_ACCESS_DENIED/);
    expect(seen.database).toMatch(/^refused: .*ERR_ACCESS_DENIED/);

    const browser = seen.processes.find((p) => p.type === undefined)!;
    expect(browser).toBeDefined();
    for (const p of seen.processes) {
      expect(p.uid, `${p.type ?? 'browser'} ${p.pid}`).not.toBe(owner);
      expect(p.uid, `${p.type ?? 'browser'} ${p.pid}`).not.toBe(0);
    }
    // Upkeep's environment (UPKEEP_SECRET_KEY, UPKEEP_DATABASE_URL with its password) stays out of the browser.
    expect(browser.env.filter((e) => e.startsWith('UPKEEP_'))).toEqual([]);

    // Chromium's own sandbox where the account it runs as may create user namespaces, as here.
    const id = process.getuid?.() === 0 ? await resolveUser(defaultAuditsConfig().chromiumUser) : undefined;
    const namespaces = spawnSync('unshare', ['--user', 'true'], id ? { uid: id.uid, gid: id.gid } : {}).status === 0;
    const renderers = seen.processes.filter((p) => p.type === 'renderer');
    expect(renderers.length).toBeGreaterThan(0);
    if (namespaces) for (const r of renderers) expect(r.seccomp, `renderer ${r.pid} runs under seccomp-bpf`).toBe(2);
  }, 60_000);
});
