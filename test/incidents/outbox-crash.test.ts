import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../fixtures/servers.js';
import { startServerProcess } from '../support/cli.js';
import { tempDir } from '../support/databases.js';
import { until, webhookReceiver } from '../support/receivers.js';

const SECRET = 'a-webhook-secret-of-some-length';
const dir = tempDir();
afterAll(() => dir.cleanup());

describe('the notification outbox across a crash', () => {
  it('delivers after a SIGKILL that struck while the message was being sent, with the same keys', async () => {
    const target = await startHttpServer((_req, res) => res.writeHead(503).end('down'));
    // The first delivery reaches the receiver, which never answers it: the process dies mid-send.
    const hook = await webhookReceiver(SECRET, (n) => n === 0);
    const file = join(dir.path, 'upkeep.yaml');
    writeFileSync(
      file,
      `incidents: { groupWait: 0s }
sites:
  - name: Shop
    monitors:
      - { name: Home, type: http, url: "${target.url('/')}", interval: 1s, retryInterval: 1s, timeout: 1s }
channels:
  - { name: hook, type: webhook, url: "${hook.url}", secret: ${SECRET} }
`,
    );
    const args = ['--config', file, '--data-dir', join(dir.path, 'data'), '--allow-private'];
    try {
      const first = await startServerProcess(args);
      await until('the first delivery attempt', () => hook.messages.length >= 1, 15_000);
      first.child.kill('SIGKILL');
      await first.exited;

      const second = await startServerProcess(args);
      try {
        await until('the delivery after the restart', () => hook.messages.length >= 2, 15_000);
        const [sent, again] = hook.messages;
        expect(again!.signed).toBe(true);
        expect(again!.body.event).toBe('incident.opened');
        expect(again!.body.notificationId).toBe(sent!.body.notificationId);
        expect(again!.headers['idempotency-key']).toBe(sent!.headers['idempotency-key']);
        expect(again!.body.dedupKey).toBe(sent!.body.dedupKey);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      await hook.close();
      await target.close();
    }
  }, 60_000);
});
