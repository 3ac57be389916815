import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type ChannelInput } from '../../src/notify/channel.schema.js';
import { parseRetryAfter } from '../../src/notify/channels/http.js';
import { deliver } from '../../src/notify/deliver.js';
import { samplePayload } from '../../src/notify/sample.js';
import { mockProvider, testContext, type MockProvider } from './mock-provider.js';

let mock: MockProvider;
beforeAll(async () => {
  mock = await mockProvider();
});
beforeEach(() => {
  mock.requests.length = 0;
  mock.answer(() => ({ status: 204 }));
});
afterAll(() => mock.close());

const spec = (input: ChannelInput) => channelSchema.parse(input);
const SECRET = 'whsec-0123456789abcdef';
const webhook = (extra: Partial<ChannelInput> = {}) =>
  spec({ type: 'webhook', name: 'hook', url: `${mock.url}/upkeep`, secret: SECRET, headers: { 'X-Team': 'ops' }, ...extra } as ChannelInput);

/** What a receiver does, written from docs/notifications.md and nothing of ours. */
function verify(body: string, headers: Record<string, string | string[] | undefined>, secret: string, nowSeconds: number): boolean {
  const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const given = String(headers['x-upkeep-signature'] ?? '');
  if (given.length !== expected.length || !timingSafeEqual(Buffer.from(given), Buffer.from(expected))) return false;
  const sentAt = JSON.parse(body).sentAt as string;
  return Number(headers['x-upkeep-timestamp']) === Date.parse(sentAt) / 1000 && nowSeconds - Date.parse(sentAt) / 1000 <= 300;
}

describe('the generic webhook', () => {
  it('POSTs the payload plus sentAt, signed with HMAC-SHA256 over the raw body', async () => {
    const payload = samplePayload('incident.opened');
    const delivery = await deliver(webhook(), payload, testContext());
    expect(delivery).toEqual({ ok: true, status: 204 });
    const req = mock.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', url: '/upkeep' });
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'x-upkeep-event': 'incident.opened',
      'idempotency-key': payload.notificationId,
      'x-team': 'ops',
    });
    const { sentAt, ...rest } = req.json();
    expect(rest).toEqual(payload);
    expect(Math.abs(Date.parse(sentAt) - Date.now())).toBeLessThan(5000);
    expect(verify(req.body, req.headers, SECRET, Date.now() / 1000)).toBe(true);
  });

  it('fails verification for a changed body, another secret, or a replay older than five minutes', async () => {
    await deliver(webhook(), samplePayload('incident.resolved'), testContext());
    const req = mock.requests[0]!;
    expect(verify(req.body.replace('Example shop', 'Example shoq'), req.headers, SECRET, Date.now() / 1000)).toBe(false);
    expect(verify(req.body, req.headers, 'another-secret-of-some-length', Date.now() / 1000)).toBe(false);
    expect(verify(req.body, req.headers, SECRET, Date.now() / 1000 + 301)).toBe(false);
  });

  it('never lets the channel headers replace the signature, the event or the content type', async () => {
    await deliver(
      webhook({ headers: { 'X-Upkeep-Signature': 'sha256=forged', 'x-upkeep-event': 'forged', 'Content-Type': 'text/plain' } }),
      samplePayload('test'),
      testContext(),
    );
    const req = mock.requests[0]!;
    expect(req.headers['x-upkeep-event']).toBe('test');
    expect(req.headers['content-type']).toBe('application/json');
    expect(verify(req.body, req.headers, SECRET, Date.now() / 1000)).toBe(true);
  });
});

describe('delivery results', () => {
  it('429 with Retry-After in seconds or as an HTTP date is retryable after that long', async () => {
    mock.answer(() => ({ status: 429, headers: { 'retry-after': '12' }, body: 'slow down' }));
    expect(await deliver(webhook(), samplePayload('test'), testContext())).toEqual({
      ok: false,
      retryable: true,
      retryAfterMs: 12_000,
      status: 429,
      message: 'webhook answered 429',
    });
    const later = new Date(Date.now() + 90_000).toUTCString();
    mock.answer(() => ({ status: 429, headers: { 'retry-after': later } }));
    const delivery = await deliver(webhook(), samplePayload('test'), testContext());
    expect(delivery.ok === false && delivery.retryAfterMs).toBeGreaterThan(85_000);
    expect(delivery.ok === false && delivery.retryAfterMs).toBeLessThanOrEqual(90_000);
  });

  it('503 and 408 are retryable, 400 is not (and its body is not repeated: a webhook has no documented error code), a redirect is not followed', async () => {
    mock.answer(() => ({ status: 503, body: 'maintenance' }));
    expect(await deliver(webhook(), samplePayload('test'), testContext())).toMatchObject({ ok: false, retryable: true, status: 503 });
    mock.answer(() => ({ status: 408 }));
    expect(await deliver(webhook(), samplePayload('test'), testContext())).toMatchObject({ ok: false, retryable: true, status: 408 });
    mock.answer(() => ({ status: 400, body: { error: { message: 'field "incident" is required' } } }));
    expect(await deliver(webhook(), samplePayload('test'), testContext())).toEqual({
      ok: false,
      retryable: false,
      status: 400,
      message: 'webhook answered 400',
    });
    mock.answer(() => ({ status: 301, headers: { location: 'https://elsewhere.example/hook' } }));
    expect(await deliver(webhook(), samplePayload('test'), testContext())).toMatchObject({
      retryable: false,
      message: expect.stringContaining('redirected to https://elsewhere.example/hook'),
    });
    expect(mock.requests).toHaveLength(4);
  });

  it('a refused connection and a silent server are retryable failures, not exceptions', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await deliver(webhook({ url: `http://127.0.0.1:${port}/` }), samplePayload('test'), testContext())).toMatchObject({
      ok: false,
      retryable: true,
      message: expect.stringContaining('refused'),
    });
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const started = Date.now();
    const delivery = await deliver(
      webhook({ url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/` }),
      samplePayload('test'),
      testContext({ deadlineMs: 300 }),
    );
    expect(delivery).toMatchObject({ ok: false, retryable: true });
    expect(Date.now() - started).toBeLessThan(3000);
    silent.close();
  });

  it('private targets need the installation or the channel to allow them, and a refusal is not retried', async () => {
    const ctx = testContext({ policy: { allowPrivate: false } });
    expect(await deliver(webhook(), samplePayload('test'), ctx)).toMatchObject({ ok: false, retryable: false, message: expect.stringContaining('private') });
    expect(mock.requests).toHaveLength(0);
    expect(await deliver(webhook({ allowPrivateTargets: true }), samplePayload('test'), ctx)).toMatchObject({ ok: true });
    expect(await deliver(webhook({ url: 'http://169.254.169.254/latest', allowPrivateTargets: true }), samplePayload('test'), ctx)).toMatchObject({
      ok: false,
      retryable: false,
      message: expect.stringContaining('metadata'),
    });
  });

  it('reads Retry-After as seconds or a date, and ignores what it cannot read', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
