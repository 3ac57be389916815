import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestCore } from '../support/core.js';
import { spawnServerProcess } from '../support/cli.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';
import { apiClient, countingTarget, tokenFor } from '../support/process.js';
import { sleep, until, webhookReceiver } from '../support/receivers.js';
import { ApiWriter } from './api-writer.js';
import { checkDeliveries } from './deliveries.js';

/**
 * The crash suite: a real `upkeep start` under API writes and target outages is SIGKILLed at random
 * moments (seeded: the seed is printed, UPKEEP_CRASH_SEED replays it) and started again, many times.
 * At the end the database passes its integrity check, every write the API acknowledged is there,
 * and every incident's messages reached the receiver, in order, repeats with the same id.
 * UPKEEP_CRASH_KILLS sets the kills per database (default 10 on each: about two minutes in all).
 */
const KILLS = Number(process.env.UPKEEP_CRASH_KILLS ?? 10);
const SEED = Number(process.env.UPKEEP_CRASH_SEED ?? Date.now() % 1_000_000_007);
const SECRET = 'a-webhook-secret-of-some-length';
const FLAKY = ['/flaky-1', '/flaky-2', '/flaky-3'];

describe.each(dialects)('SIGKILL at random moments on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  afterAll(async () => db?.cleanup());

  it(
    `${KILLS} kills under API writes and outages lose no acknowledged write and no message`,
    async () => {
      console.info(`crash suite on ${dialect}: seed ${SEED} (UPKEEP_CRASH_SEED=${SEED} replays the schedule), ${KILLS} kills`);
      const rng = xoroshiro128plus(SEED + (dialect === 'sqlite' ? 0 : 1));
      const between = (min: number, max: number) => uniformInt(rng, min, max);
      db = await createTestDatabase(dialect);
      const token = await tokenFor(db);
      const target = await countingTarget();
      // The receiver refuses one message in ten (503): those are retried, and must still arrive in order.
      let refusing = true;
      const refused = new Set<number>();
      const hook = await webhookReceiver(SECRET, (n, res) => {
        if (refusing && between(1, 10) === 1) {
          refused.add(n);
          res.writeHead(503).end('busy');
          return true;
        }
      });
      const file = join(db.dataDir, 'upkeep.yaml');
      // One monitor per site, so each outage opens (and closes) an incident of its own.
      const sites = FLAKY.map(
        (p, i) =>
          `  - name: Flaky ${i + 1}\n    monitors:\n      - { name: Home, type: http, url: "${target.url(p)}", interval: 1s, timeout: 1s, downAfter: 1 }`,
      );
      writeFileSync(
        file,
        `incidents: { groupWait: 0s, resolveAfter: 1s }
sites:
${sites.join('\n')}
channels:
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
`,
      );
      const args = ['--config', file, '--data-dir', db.dataDir, '--allow-private'];
      const env = { UPKEEP_DATABASE_URL: db.url };
      let url = '';
      const writer = new ApiWriter(
        apiClient(() => url, token),
        target,
        between,
      );
      let outages = true;
      // Outages: each flaky target goes down and up again every 2–6 s, whoever is running.
      const flipping = Promise.all(
        FLAKY.map(async (path) => {
          while (outages) {
            await sleep(between(2_000, 6_000));
            if (target.down.has(path)) target.down.delete(path);
            else if (outages) target.down.add(path);
          }
        }),
      );
      const writing = writer.run();
      const started = Date.now();
      let server = spawnServerProcess(args, env);
      try {
        for (let kill = 0; kill < KILLS; kill++) {
          if (kill) server = spawnServerProcess(args, env);
          // A quarter of the kills strike during start-up (opening the database and applying the config, or
          // starting the engine and the sender), the rest while it serves.
          const roll = between(1, 8);
          if (roll === 1) await sleep(between(100, 2_500));
          else if (roll === 2) {
            await until('the config to be applied', () => /Applied|No changes/.test(server.output()) || server.child.exitCode !== null, 120_000);
            await sleep(between(0, 400));
          } else {
            url = await server.ready;
            await sleep(between(300, 3_500));
          }
          server.child.kill('SIGKILL');
          await server.exited;
          url = '';
        }
        const killed = Date.now();
        outages = false;
        await flipping;
        target.down.clear();
        await writer.stop();
        refusing = false;
        // A last start: everything recovers, every incident resolves, every message goes out.
        server = spawnServerProcess(args, env);
        url = await server.ready;
        const watcher = await openTestCore(db);
        try {
          await until(
            'every incident resolved and every message delivered',
            async () => {
              const open = await watcher.storage.db.selectFrom('incidents').select('id').where('status', '!=', 'resolved').execute();
              const pending = await watcher.storage.db.selectFrom('notifications').select('id').where('status', '=', 'pending').execute();
              return !open.length && !pending.length;
            },
            150_000,
          ).catch(async (err: unknown) => {
            // What is still open or pending, and the server's last words: a failure here must say why.
            const open = await watcher.storage.db
              .selectFrom('incidents')
              .select(['id', 'title', 'status', 'opened_at'])
              .where('status', '!=', 'resolved')
              .execute();
            const pending = await watcher.storage.db
              .selectFrom('notifications')
              .select(['id', 'incident_id', 'channel_name', 'event', 'attempts', 'next_attempt_at', 'last_error', 'seq'])
              .where('status', '=', 'pending')
              .execute();
            throw new Error(
              `${(err as Error).message}\nat ${Date.now()}; open incidents: ${JSON.stringify(open)}\npending messages: ${JSON.stringify(pending)}\nserver output (end): ${server.output().slice(-4000)}`,
            );
          });
        } finally {
          await watcher.close();
        }
        server.child.kill('SIGTERM');
        expect((await server.exited).code).toBe(0);
        await writing;

        const core = await openTestCore(db);
        try {
          expect(await core.storage.integrityCheck()).toEqual([]);
          expect(await writer.missing(core.storage.db)).toEqual([]);
          const report = await checkDeliveries(core.storage.db, hook.messages, refused);
          expect(report.problems).toEqual([]);
          const took = (ms: number) => `${Math.round(ms / 1000)} s`;
          console.info(
            `crash suite on ${dialect}: ${KILLS} kills in ${took(killed - started)} (then ${took(Date.now() - killed)} to recover and check), ` +
              `${writer.acknowledged} acknowledged writes, ${report.incidents} incidents, ${report.messages} messages, ${hook.messages.length} deliveries (${refused.size} refused)`,
          );
          expect(report.incidents).toBeGreaterThan(0);
        } finally {
          await core.close();
        }
      } finally {
        server.child.kill('SIGKILL');
        outages = false;
        await writer.stop();
        await hook.close();
        await target.close();
      }
    },
    180_000 + KILLS * 30_000,
  );
});
