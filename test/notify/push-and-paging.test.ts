import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type ChannelInput } from '../../src/notify/channel.schema.js';
import { deliver } from '../../src/notify/deliver.js';
import type { NotificationEvent, Severity } from '../../src/notify/notification.js';
import { samplePayload } from '../../src/notify/sample.js';
import { mockProvider, testContext, type MockProvider } from './mock-provider.js';

let mock: MockProvider;
beforeAll(async () => {
  mock = await mockProvider();
});
beforeEach(() => {
  mock.requests.length = 0;
  mock.answer(() => ({ status: 200, body: { ok: true } }));
});
afterAll(() => mock.close());

const spec = (input: ChannelInput) => channelSchema.parse(input);
const payload = (event: NotificationEvent, severity: Severity = 'critical') => {
  const p = samplePayload(event);
  p.incident.severity = severity;
  return p;
};
const KEY30 = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const TOKEN30 = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const ROUTING = 'R0ABCDEFGHIJKLMNOPQRSTUVWXYZ0123';

describe('ntfy', () => {
  it('publishes JSON to the server root with priority by severity, a click URL, an acknowledge action and the token', async () => {
    const channel = spec({ type: 'ntfy', name: 'n', server: `${mock.url}/`, topic: 'upkeep-alerts', token: 'tk_secret' });
    await deliver(channel, payload('incident.opened'), testContext());
    await deliver(channel, payload('incident.opened', 'major'), testContext());
    await deliver(channel, payload('incident.resolved'), testContext());
    const [critical, major, resolved] = mock.requests.map((r) => r.json());
    expect(mock.requests[0]).toMatchObject({ method: 'POST', url: '/' });
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer tk_secret');
    expect(critical).toMatchObject({
      topic: 'upkeep-alerts',
      title: '🔴 Example shop is down',
      priority: 5,
      tags: ['rotating_light'],
      click: 'https://upkeep.example.com/incidents/42',
      actions: [{ action: 'view', label: 'Acknowledge', url: 'https://upkeep.example.com/ack/6f1c2e9a', clear: true }],
    });
    expect(critical.message).toContain('• Home page (http): down, HTTP 503 Service Unavailable');
    expect(major.priority).toBe(4);
    expect(resolved).toMatchObject({ priority: 2, tags: ['white_check_mark'] });
    expect(resolved.actions).toBeUndefined();
  });
});

describe('gotify', () => {
  it('posts /message with the app token in X-Gotify-Key and priority by severity', async () => {
    const channel = spec({ type: 'gotify', name: 'g', server: `${mock.url}/gotify`, token: 'AbCdEf.123' });
    await deliver(channel, payload('incident.opened'), testContext());
    await deliver(channel, payload('incident.opened', 'minor'), testContext());
    const [req, minor] = mock.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/gotify/message' });
    expect(req!.headers['x-gotify-key']).toBe('AbCdEf.123');
    expect(req!.json()).toMatchObject({
      title: '🔴 Example shop is down',
      priority: 8,
      extras: { 'client::display': { contentType: 'text/plain' }, 'client::notification': { click: { url: 'https://upkeep.example.com/incidents/42' } } },
    });
    expect(minor!.json().priority).toBe(5);
  });

  it('does not retry a wrong token', async () => {
    mock.answer(() => ({ status: 401, body: { error: 'Unauthorized', errorCode: 401, errorDescription: 'you need to provide a valid access token' } }));
    const channel = spec({ type: 'gotify', name: 'g', server: mock.url, token: 'bad' });
    expect(await deliver(channel, payload('test'), testContext())).toMatchObject({ ok: false, retryable: false, status: 401 });
  });
});

describe('pushover', () => {
  const channel = () => spec({ type: 'pushover', name: 'p', userKey: KEY30, appToken: TOKEN30, apiUrl: mock.url, emergency: { retry: '2m', expire: '2h' } });

  it('sends critical incidents as emergencies with retry and expire, form-encoded to messages.json', async () => {
    const opened = payload('incident.opened');
    await deliver(channel(), opened, testContext());
    const req = mock.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', url: '/1/messages.json' });
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const form = req.form();
    expect(form).toMatchObject({ token: TOKEN30, user: KEY30, title: '🔴 Example shop is down', priority: '2', retry: '120', expire: '7200' });
    expect(form.url).toBe('https://upkeep.example.com/incidents/42');
    expect(Number(form.timestamp)).toBe(Math.floor(Date.parse(opened.occurredAt) / 1000));
  });

  it('sends major as high priority, acknowledgements quietly, and never an emergency without need', async () => {
    await deliver(channel(), payload('incident.opened', 'major'), testContext());
    await deliver(channel(), payload('incident.acknowledged'), testContext());
    const [major, ack] = mock.requests.map((r) => r.form());
    expect(major).toMatchObject({ priority: '1' });
    expect(major!.retry).toBeUndefined();
    expect(ack).toMatchObject({ priority: '-1' });
  });

  it("returns the first of Pushover's errors for a bad user key, cut short", async () => {
    mock.answer(() => ({ status: 400, body: { user: 'invalid', errors: ['user identifier is not a valid user, group, or subscribed user key'], status: 0 } }));
    expect(await deliver(channel(), payload('test'), testContext())).toMatchObject({
      retryable: false,
      message: 'pushover answered 400: user identifier is not a valid user, group, or subscribed user …',
    });
  });
});

describe('pagerduty', () => {
  const channel = () => spec({ type: 'pagerduty', name: 'pd', routingKey: ROUTING, apiUrl: mock.url });
  const accepted = () => ({ status: 202, body: { status: 'success', message: 'Event processed', dedup_key: 'upkeep-incident-42' } });

  it('triggers with the dedupKey and a full payload, then acknowledges and resolves the same incident', async () => {
    mock.answer(accepted);
    for (const event of ['incident.opened', 'incident.acknowledged', 'incident.resolved'] as const) {
      expect(await deliver(channel(), payload(event, 'major'), testContext())).toEqual({ ok: true, status: 202 });
    }
    const [trigger, ack, resolve] = mock.requests.map((r) => r.json());
    expect(mock.requests.map((r) => `${r.method} ${r.url}`)).toEqual(Array(3).fill('POST /v2/enqueue'));
    expect(trigger).toMatchObject({
      routing_key: ROUTING,
      event_action: 'trigger',
      dedup_key: 'upkeep-incident-42',
      payload: {
        summary: '🔴 Example shop is down',
        source: 'shop.example.com',
        severity: 'error',
        group: 'Example shop',
        component: 'Home page',
        class: 'http',
      },
      client: 'Upkeep',
      client_url: 'https://upkeep.example.com/incidents/42',
    });
    expect(trigger.payload.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(trigger.links).toContainEqual({ href: 'https://upkeep.example.com/ack/6f1c2e9a', text: 'Acknowledge' });
    expect(ack).toEqual({ routing_key: ROUTING, event_action: 'acknowledge', dedup_key: 'upkeep-incident-42' });
    expect(resolve).toEqual({ routing_key: ROUTING, event_action: 'resolve', dedup_key: 'upkeep-incident-42' });
  });

  it('resolves a test at once so nobody is left with an open alert', async () => {
    mock.answer(accepted);
    const test = payload('test');
    expect((await deliver(channel(), test, testContext())).ok).toBe(true);
    expect(mock.requests.map((r) => [r.json().event_action, r.json().dedup_key])).toEqual([
      ['trigger', test.dedupKey],
      ['resolve', test.dedupKey],
    ]);
    expect(mock.requests[0]!.json().payload.severity).toBe('info');
  });

  it('reads the errors of an invalid event and the wait of a 429', async () => {
    mock.answer(() => ({ status: 400, body: { status: 'invalid event', message: 'Event object is invalid', errors: ['Length of summary is too long'] } }));
    expect(await deliver(channel(), payload('incident.opened'), testContext())).toMatchObject({
      retryable: false,
      message: 'pagerduty answered 400: Event object is invalid',
    });
    mock.answer(() => ({
      status: 429,
      headers: { 'retry-after': '30' },
      body: { status: 'throttle event', message: 'Requests for this service are arriving too quickly.' },
    }));
    expect(await deliver(channel(), payload('incident.opened'), testContext())).toMatchObject({ retryable: true, retryAfterMs: 30_000, status: 429 });
  });
});

describe('opsgenie', () => {
  const channel = () => spec({ type: 'opsgenie', name: 'og', apiKey: 'og-key', region: 'eu', apiUrl: mock.url });
  const accepted = () => ({ status: 202, body: { result: 'Request will be processed', took: 0.1, requestId: 'r1' } });

  it('creates an alert with the dedupKey as alias, notes updates, acknowledges and closes by alias', async () => {
    mock.answer(accepted);
    for (const event of ['incident.opened', 'incident.updated', 'incident.acknowledged', 'incident.resolved'] as const) {
      expect((await deliver(channel(), payload(event), testContext())).ok).toBe(true);
    }
    expect(mock.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /v2/alerts',
      'POST /v2/alerts/upkeep-incident-42/notes?identifierType=alias',
      'POST /v2/alerts/upkeep-incident-42/acknowledge?identifierType=alias',
      'POST /v2/alerts/upkeep-incident-42/close?identifierType=alias',
    ]);
    expect(mock.requests.every((r) => r.headers.authorization === 'GenieKey og-key')).toBe(true);
    const create = mock.requests[0]!.json();
    expect(create).toMatchObject({ message: '🔴 Example shop is down', alias: 'upkeep-incident-42', priority: 'P1', source: 'Upkeep', entity: 'Example shop' });
    expect(create.tags).toEqual(['upkeep', 'client-acme', 'ecommerce']);
    expect(create.description).toContain('Severity: critical');
    expect(mock.requests[2]!.json()).toMatchObject({ source: 'Upkeep', user: 'alice@example.com' });
  });

  it('keeps the message within 130 characters', async () => {
    mock.answer(accepted);
    const long = payload('incident.opened');
    long.incident.title = 'x'.repeat(300);
    await deliver(channel(), long, testContext());
    expect(mock.requests[0]!.json().message).toHaveLength(130);
  });

  it('refuses a bad key without retrying', async () => {
    mock.answer(() => ({ status: 422, body: { message: 'Key format is not valid!', took: 0, requestId: 'r2' } }));
    expect(await deliver(channel(), payload('incident.opened'), testContext())).toMatchObject({
      ok: false,
      retryable: false,
      message: 'opsgenie answered 422: Key format is not valid!',
    });
  });
});
