import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from 'smtp-server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelSchema } from '../../src/notify/channel.schema.js';
import { deliver } from '../../src/notify/deliver.js';
import type { NotificationPayload } from '../../src/notify/notification.js';
import { samplePayload } from '../../src/notify/sample.js';
import { testCertificates, type TestCertificates } from '../fixtures/certs.js';
import { testContext } from './mock-provider.js';

interface Received {
  session: { secure: boolean; user: unknown; from: string | undefined; to: string[] };
  raw: string;
}

let certs: TestCertificates;
let server: SMTPServer | undefined;
beforeAll(async () => {
  certs = await testCertificates();
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A real SMTP server on loopback that keeps every message it accepts. */
async function smtp(options: SMTPServerOptions): Promise<{ port: number; mail: Received[] }> {
  const mail: Received[] = [];
  const created = new SMTPServer({
    key: certs.valid.key,
    cert: certs.valid.cert,
    logger: false,
    onAuth: (auth, _session, callback) =>
      auth.username === 'upkeep' && auth.password === 'smtp-password'
        ? callback(null, { user: auth.username })
        : callback(new Error('Invalid username or password')),
    onData: (stream, session: SMTPServerSession, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mail.push({
          session: {
            secure: session.secure,
            user: session.user,
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
    ...options,
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return { port: (created.server.address() as AddressInfo).port, mail };
}

const channel = (port: number, security: 'starttls' | 'tls' | 'none', auth = true) =>
  channelSchema.parse({
    type: 'email',
    name: 'mail',
    from: 'upkeep@example.com',
    to: ['ops@example.com', 'oncall@example.com'],
    smtp: { host: 'localhost', port, security, ...(auth ? { username: 'upkeep', password: 'smtp-password' } : {}) },
    templates: { opened: { title: 'DOWN: {{incident.title}}', body: '{{incident.summary}}\nSite: {{site.name}}' } },
  });

const hostile = (): NotificationPayload => {
  const p = samplePayload('incident.opened');
  p.incident.title = '<b>Shop</b> & co';
  return p;
};
const ctx = () => testContext({ ca: [certs.ca.cert] });

describe('email over SMTP', () => {
  it('upgrades with STARTTLS (verifying the certificate), authenticates and sends text and HTML parts', async () => {
    const { port, mail } = await smtp({ secure: false });
    const payload = hostile();
    const delivery = await deliver(channel(port, 'starttls'), payload, ctx());
    expect(delivery).toMatchObject({ ok: true });
    expect(mail).toHaveLength(1);
    const [{ session, raw }] = mail as [Received];
    expect(session).toEqual({ secure: true, user: 'upkeep', from: 'upkeep@example.com', to: ['ops@example.com', 'oncall@example.com'] });
    expect(raw).toMatch(/^Subject: DOWN: <b>Shop<\/b> & co\r$/m);
    expect(raw).toContain(`Message-ID: <${payload.notificationId}@example.com>`);
    expect(raw).toContain('References: <upkeep-incident-42@example.com>');
    expect(raw).toContain('X-Upkeep-Event: incident.opened');
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toContain('Content-Type: text/plain');
    expect(raw).toContain('Content-Type: text/html');
    // The HTML part shows the title as text, never as markup.
    expect(raw).toContain('&lt;b&gt;Shop&lt;/b&gt; &amp; co');
    expect(raw).not.toMatch(/<h2[^>]*><b>Shop/);
  });

  it('refuses a certificate it cannot verify after STARTTLS, before sending the password', async () => {
    const { port, mail } = await smtp({ secure: false, key: certs.untrusted.key, cert: certs.untrusted.cert });
    const delivery = await deliver(channel(port, 'starttls'), hostile(), ctx());
    expect(delivery).toMatchObject({ ok: false, message: expect.stringContaining('not trusted') });
    expect(mail).toHaveLength(0);
  });

  it('says so when the server does not offer STARTTLS, and does not retry', async () => {
    const { port } = await smtp({ secure: false, hideSTARTTLS: true });
    expect(await deliver(channel(port, 'starttls'), hostile(), ctx())).toMatchObject({
      ok: false,
      retryable: false,
      message: expect.stringContaining('does not offer STARTTLS'),
    });
  });

  it('connects over TLS from the first byte with security "tls"', async () => {
    const { port, mail } = await smtp({ secure: true });
    expect(await deliver(channel(port, 'tls'), hostile(), ctx())).toMatchObject({ ok: true });
    expect(mail[0]!.session.secure).toBe(true);
  });

  it('sends in the clear only with security "none", and never upgrades on its own', async () => {
    const { port, mail } = await smtp({ secure: false, authOptional: true });
    expect(await deliver(channel(port, 'none', false), hostile(), ctx())).toMatchObject({ ok: true });
    expect(mail[0]!.session.secure).toBe(false);
  });

  it('does not retry a wrong password, and retries a 4xx from the server', async () => {
    const { port } = await smtp({ secure: false });
    const wrong = channel(port, 'starttls');
    if (wrong.type === 'email') wrong.smtp.password = 'wrong';
    expect(await deliver(wrong, hostile(), ctx())).toMatchObject({ ok: false, retryable: false });
    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const busy = await smtp({
      secure: false,
      onRcptTo: (_address, _session, callback) => callback(Object.assign(new Error('Mailbox busy, try later'), { responseCode: 451 })),
    });
    expect(await deliver(channel(busy.port, 'starttls'), hostile(), ctx())).toMatchObject({ ok: false, retryable: true, status: 451 });
  });

  it('refuses a private SMTP host unless private targets are allowed', async () => {
    const { port, mail } = await smtp({ secure: false });
    expect(await deliver(channel(port, 'starttls'), hostile(), { ...ctx(), policy: { allowPrivate: false } })).toMatchObject({
      ok: false,
      retryable: false,
      message: expect.stringContaining('private'),
    });
    expect(mail).toHaveLength(0);
  });
});
