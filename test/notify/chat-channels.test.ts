import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { channelSchema, type ChannelInput } from '../../src/notify/channel.schema.js';
import { deliver } from '../../src/notify/deliver.js';
import { samplePayload } from '../../src/notify/sample.js';
import { mockProvider, testContext, type MockProvider } from './mock-provider.js';

let mock: MockProvider;
beforeAll(async () => {
  mock = await mockProvider();
});
beforeEach(() => {
  mock.requests.length = 0;
  mock.answer(() => ({ status: 200, body: 'ok' }));
});
afterAll(() => mock.close());

const spec = (input: ChannelInput) => channelSchema.parse(input);
const hostile = () => {
  const payload = samplePayload('incident.opened');
  payload.incident.title = 'Shop <b>down</b> & *bold* @everyone';
  payload.monitors[0]!.message = '<!channel> [click](https://evil.example) @here';
  return payload;
};

describe('slack', () => {
  it('posts Block Kit with a plain header, escaped mrkdwn and link buttons to the incoming webhook', async () => {
    const delivery = await deliver(spec({ type: 'slack', name: 's', url: `${mock.url}/services/T0/B0/xyz` }), hostile(), testContext());
    expect(delivery).toEqual({ ok: true, status: 200 });
    const [req] = mock.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/services/T0/B0/xyz' });
    expect(req!.headers['content-type']).toBe('application/json');
    const body = req!.json();
    expect(body.text).toBe('🔴 Shop &lt;b&gt;down&lt;/b&gt; &amp; *bold* @everyone');
    expect(body.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: '🔴 Shop <b>down</b> & *bold* @everyone', emoji: true } });
    expect(body.blocks[1].text.type).toBe('mrkdwn');
    // A mention or link in data cannot become one: Slack reads only <…> as markup.
    expect(body.blocks[1].text.text).toContain('&lt;!channel&gt;');
    expect(body.blocks[1].text.text).not.toContain('<!channel>');
    expect(body.blocks[2].elements.map((e: { text: { text: string }; url: string }) => [e.text.text, e.url])).toEqual([
      ['Acknowledge', 'https://upkeep.example.com/ack/6f1c2e9a'],
      ['Open incident', 'https://upkeep.example.com/incidents/42'],
    ]);
  });

  it("reports Slack's error text for a removed channel and does not retry it", async () => {
    mock.answer(() => ({ status: 404, body: 'channel_not_found' }));
    const delivery = await deliver(spec({ type: 'slack', name: 's', url: `${mock.url}/hook` }), samplePayload('test'), testContext());
    expect(delivery).toEqual({ ok: false, retryable: false, status: 404, message: 'slack answered 404: channel_not_found' });
  });
});

describe('discord', () => {
  it('posts one embed with wait=true, escaped Markdown and no mentions allowed', async () => {
    mock.answer(() => ({ status: 200, body: { id: '1' } }));
    const delivery = await deliver(spec({ type: 'discord', name: 'd', url: `${mock.url}/api/webhooks/1/tok`, username: 'Upkeep' }), hostile(), testContext());
    expect(delivery.ok).toBe(true);
    const req = mock.requests[0]!;
    expect(req.url).toBe('/api/webhooks/1/tok?wait=true');
    const body = req.json();
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.username).toBe('Upkeep');
    const [embed] = body.embeds;
    expect(embed).toMatchObject({ title: '🔴 Shop <b>down</b> & *bold* @everyone', color: 0xd92d20, url: 'https://upkeep.example.com/incidents/42' });
    expect(embed.description).toContain('\\<!channel\\> \\[click\\](https://evil.example)');
    expect(embed.description).toContain('@\u200bhere');
  });

  it('waits as long as the retry_after of a 429 body says when no header is sent', async () => {
    mock.answer(() => ({ status: 429, body: { message: 'You are being rate limited.', retry_after: 1.5, global: false } }));
    const delivery = await deliver(spec({ type: 'discord', name: 'd', url: `${mock.url}/api/webhooks/1/tok` }), samplePayload('test'), testContext());
    expect(delivery).toMatchObject({ ok: false, retryable: true, retryAfterMs: 1500, status: 429 });
  });
});

describe('teams', () => {
  it('posts an Adaptive Card message for Workflows, one text block per line', async () => {
    mock.answer(() => ({ status: 202, body: '' }));
    const delivery = await deliver(spec({ type: 'teams', name: 't', url: `${mock.url}/workflows/abc` }), samplePayload('incident.opened'), testContext());
    expect(delivery).toEqual({ ok: true, status: 202 });
    const body = mock.requests[0]!.json();
    expect(body.type).toBe('message');
    const [attachment] = body.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    expect(attachment.content.body[0]).toMatchObject({ type: 'TextBlock', text: '🔴 Example shop is down', weight: 'Bolder', color: 'Attention' });
    expect(attachment.content.body.map((b: { text: string }) => b.text)).toContain('Site: Example shop (https://shop.example.com)');
    expect(attachment.content.actions).toContainEqual({ type: 'Action.OpenUrl', title: 'Acknowledge', url: 'https://upkeep.example.com/ack/6f1c2e9a' });
  });

  it('posts a legacy MessageCard when asked', async () => {
    await deliver(spec({ type: 'teams', name: 't', url: `${mock.url}/webhookb2/x`, format: 'messagecard' }), samplePayload('incident.resolved'), testContext());
    const body = mock.requests[0]!.json();
    expect(body).toMatchObject({ '@type': 'MessageCard', '@context': 'https://schema.org/extensions', themeColor: '2DA44E' });
    expect(body.title).toBe('✅ Resolved: Example shop is down');
    // Resolved: no acknowledge button any more.
    expect(body.potentialAction).toEqual([
      { '@type': 'OpenUri', name: 'Open incident', targets: [{ os: 'default', uri: 'https://upkeep.example.com/incidents/42' }] },
    ]);
  });
});

describe('mattermost', () => {
  it('posts Markdown text with the title as a heading, and the channel override', async () => {
    await deliver(spec({ type: 'mattermost', name: 'm', url: `${mock.url}/hooks/xyz`, channel: 'ops' }), hostile(), testContext());
    const body = mock.requests[0]!.json();
    expect(body.channel).toBe('ops');
    expect(body.text.startsWith('#### 🔴 Shop \\<b\\>down\\</b\\> & \\*bold\\* @\u200beveryone\n')).toBe(true);
  });

  it('reads the error id of a JSON error answer (its documented code), nothing else of the body', async () => {
    mock.answer(() => ({ status: 400, body: { id: 'web.incoming_webhook.text.app_error', message: 'No text specified', status_code: 400 } }));
    const delivery = await deliver(spec({ type: 'mattermost', name: 'm', url: `${mock.url}/hooks/xyz` }), samplePayload('test'), testContext());
    expect(delivery).toMatchObject({ ok: false, retryable: false, message: 'mattermost answered 400: web.incoming_webhook.text.app_error' });
  });
});

describe('telegram', () => {
  it('calls sendMessage of the bot in HTML mode, values escaped', async () => {
    mock.answer(() => ({ status: 200, body: { ok: true, result: { message_id: 1 } } }));
    const channel = spec({ type: 'telegram', name: 'tg', botToken: '123456:ABC-def_ghi', chatId: '-1001234567890', apiUrl: mock.url, messageThreadId: 7 });
    expect((await deliver(channel, hostile(), testContext())).ok).toBe(true);
    const req = mock.requests[0]!;
    expect(req).toMatchObject({ method: 'POST', url: '/bot123456:ABC-def_ghi/sendMessage' });
    const body = req.json();
    expect(body).toMatchObject({ chat_id: '-1001234567890', parse_mode: 'HTML', message_thread_id: 7, link_preview_options: { is_disabled: true } });
    expect(body.text.startsWith('<b>🔴 Shop &lt;b&gt;down&lt;/b&gt; &amp; *bold* @everyone</b>\n')).toBe(true);
  });

  it("returns Telegram's description for a bad chat and honours parameters.retry_after on 429", async () => {
    const channel = spec({ type: 'telegram', name: 'tg', botToken: '1:x', chatId: '42', apiUrl: mock.url });
    mock.answer(() => ({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } }));
    expect(await deliver(channel, samplePayload('test'), testContext())).toMatchObject({
      ok: false,
      retryable: false,
      message: 'telegram answered 400: Bad Request: chat not found',
    });
    mock.answer(() => ({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } } }));
    expect(await deliver(channel, samplePayload('test'), testContext())).toMatchObject({ ok: false, retryable: true, retryAfterMs: 7000 });
  });
});

describe('matrix', () => {
  const channel = () => spec({ type: 'matrix', name: 'mx', homeserver: `${mock.url}/prefix/`, accessToken: 'syt_secret', roomId: '!room:example.org' });

  it('PUTs an m.notice with the notificationId as transaction id, so a retry is the same event', async () => {
    mock.answer(() => ({ status: 200, body: { event_id: '$abc' } }));
    const payload = hostile();
    await deliver(channel(), payload, testContext());
    await deliver(channel(), payload, testContext());
    const [first, second] = mock.requests;
    expect(first!.method).toBe('PUT');
    expect(first!.url).toBe(`/prefix/_matrix/client/v3/rooms/!room%3Aexample.org/send/m.room.message/${payload.notificationId}`);
    expect(second!.url).toBe(first!.url);
    expect(first!.headers.authorization).toBe('Bearer syt_secret');
    const body = first!.json();
    expect(body).toMatchObject({ msgtype: 'm.notice', format: 'org.matrix.custom.html' });
    expect(body.body.startsWith('🔴 Shop <b>down</b> & *bold* @everyone\n')).toBe(true);
    expect(body.formatted_body.startsWith('<strong>🔴 Shop &lt;b&gt;down&lt;/b&gt; &amp; *bold* @everyone</strong><br>')).toBe(true);
  });

  it('reads retry_after_ms of M_LIMIT_EXCEEDED and the errcode of a refusal', async () => {
    mock.answer(() => ({ status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too many requests', retry_after_ms: 2000 } }));
    expect(await deliver(channel(), samplePayload('test'), testContext())).toMatchObject({ retryable: true, retryAfterMs: 2000 });
    mock.answer(() => ({ status: 403, body: { errcode: 'M_FORBIDDEN', error: 'User not in room' } }));
    expect(await deliver(channel(), samplePayload('test'), testContext())).toMatchObject({
      retryable: false,
      message: 'matrix answered 403: M_FORBIDDEN',
    });
  });
});
