import { describe, expect, it } from 'vitest';
import { parseInput } from '../../src/config/validate.js';
import { channelSchema } from '../../src/notify/channel.schema.js';
import { renderPreview } from '../../src/notify/deliver.js';
import { notificationEvents } from '../../src/notify/notification.js';
import { samplePayload } from '../../src/notify/sample.js';
import { renderMessage, renderTemplate, templateProblem, type TextFormat } from '../../src/notify/templates.js';

const INJECTIONS = [
  '{{> x}}',
  '{{#lambda}}boom{{/lambda}}',
  '{{=<% %>=}}<%incident.title%>',
  '{{{incident.title}}}',
  '{{&incident.title}}',
  '<script>alert(1)</script>',
  '__proto__',
  '{{constructor}}',
  '{{__proto__.polluted}}',
  '@channel <!here> [x](https://evil.example) *bold* `code`',
];

function hostilePayload(text: string) {
  const p = samplePayload('incident.opened');
  p.incident.title = text;
  p.incident.summary = text;
  p.site.name = text;
  p.monitors[0]!.name = text;
  p.monitors[0]!.message = text;
  return p;
}

describe('templates refuse what is not plain data', () => {
  it.each([
    ['{{> footer}}', 'partials'],
    ['{{=<% %>=}}', 'delimiter changes'],
    ['{{{incident.title}}}', 'unescaped'],
    ['{{&incident.title}}', 'unescaped'],
    ['{{incident.titel}}', 'unknown variable "incident.titel"'],
    ['{{constructor}}', 'unknown variable "constructor"'],
    ['{{#monitors}}{{__proto__}}{{/monitors}}', 'unknown variable "__proto__"'],
    ['{{monitors}}', 'use it as a section'],
    ['{{#monitors}}', 'not a valid template'],
  ])('%s', (template, problem) => {
    expect(templateProblem(template)).toContain(problem);
  });

  it('accepts sections over lists, objects and values, and the current item', () => {
    for (const ok of [
      '{{#monitors}}{{name}}: {{message}} ({{site.name}}){{/monitors}}',
      '{{#site.tags}}#{{.}} {{/site.tags}}',
      '{{#incident}}{{title}}{{/incident}}',
      '{{#incident.acknowledgeUrl}}Ack: {{incident.acknowledgeUrl}}{{/incident.acknowledgeUrl}}{{^incident.owner}}nobody{{/incident.owner}}',
      '{{! a comment }}{{event}} {{occurredAt}} {{dedupKey}} {{notificationId}}',
    ]) {
      expect(templateProblem(ok), ok).toBeUndefined();
    }
  });

  it('names the channel field that is wrong when a config or API body has a bad template', () => {
    const input = { type: 'slack', name: 's', url: 'https://hooks.slack.com/services/x', templates: { opened: { body: 'Hi {{> evil}}' } } };
    expect(() => parseInput(channelSchema, input)).toThrow(/^templates\.opened\.body: partials/);
    expect(() => parseInput(channelSchema, { ...input, templates: { openned: { body: 'x' } } })).toThrow(/templates/);
  });
});

describe('data is inert in every format', () => {
  const formats: TextFormat[] = ['plain', 'html', 'markdown', 'slack'];

  it.each(INJECTIONS)('%s', (text) => {
    for (const format of formats) {
      const { title, body } = renderMessage(hostilePayload(text), format);
      // Mustache never reads data as a template: in plain text the value comes out exactly as it went in.
      if (format === 'plain') expect(title).toBe(`🔴 ${text}`);
      expect(title + body).not.toContain('function');
      if (format === 'html') expect(title + body).not.toMatch(/<script|<!here/);
      if (format === 'slack') expect(body).not.toMatch(/<!here>|<script>/);
      if (format === 'markdown') expect(body).not.toMatch(/(^|[^\\])\[x\]\(/);
    }
  });

  it('renders nothing for prototype names and cannot run a lambda', () => {
    const payload = samplePayload('test') as unknown as Record<string, unknown>;
    // Even with a function smuggled into the data, the view holds only plain values.
    (payload.incident as Record<string, unknown>).title = () => 'lambda ran';
    expect(renderTemplate('[{{incident.title}}]', payload as never, 'plain')).toBe('[]');
    expect(renderTemplate('[{{constructor}}{{__proto__}}{{#incident}}{{constructor}}{{/incident}}{{site.tags.constructor}}]', payload as never, 'plain')).toBe(
      '[]',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('escapes HTML for email and Telegram, keeps links usable in Markdown', () => {
    const p = hostilePayload('Tom & <Jerry> "quoted"');
    expect(renderTemplate('{{incident.title}}', p, 'html')).toBe('Tom &amp; &lt;Jerry&gt; &quot;quoted&quot;');
    expect(renderTemplate('{{incident.title}}', p, 'slack')).toBe('Tom &amp; &lt;Jerry&gt; "quoted"');
    p.incident.url = 'https://upkeep.example.com/incidents/42?a_b=1&c=(x)';
    expect(renderTemplate('{{incident.url}}', p, 'markdown')).toBe('https://upkeep.example.com/incidents/42?a_b=1&c=%28x%29');
    expect(renderTemplate('{{incident.title}}', hostilePayload('1. not a list - *or bold*'), 'markdown')).toBe('1\\. not a list - \\*or bold\\*');
  });
});

describe('default templates and previews', () => {
  it('give every event a title and a body, and leave out empty sections', () => {
    for (const event of notificationEvents) {
      const { title, body } = renderMessage(samplePayload(event), 'plain');
      expect(title.length, event).toBeGreaterThan(5);
      expect(body.length, event).toBeGreaterThan(10);
      expect(body).not.toMatch(/\n\n\n/);
    }
    const opened = samplePayload('incident.opened');
    opened.incident.acknowledgeUrl = null;
    opened.incident.runbook = null;
    const { body } = renderMessage(opened, 'plain');
    expect(body).not.toContain('Acknowledge:');
    expect(body).not.toContain('Runbook:');
    expect(body).toContain('• Checkout API (http): degraded, slower than usual: 2.4 s (usually 310 ms)');
  });

  it("use a channel's overrides field by field, and the preview's overrides over the channel's", () => {
    const channel = channelSchema.parse({
      type: 'discord',
      name: 'd',
      url: 'https://discord.com/api/webhooks/1/x',
      templates: { opened: { title: 'DOWN {{site.name}}' } },
    });
    const preview = renderPreview(channel, 'incident.opened', samplePayload('incident.opened'));
    expect(preview).toMatchObject({ format: 'markdown', title: 'DOWN Example shop' });
    expect(preview.body).toContain('Severity: critical');
    expect(
      renderPreview(channel, 'incident.opened', samplePayload('incident.opened'), { opened: { body: '{{#monitors}}{{name}};{{/monitors}}' } }),
    ).toMatchObject({
      title: '🔴 Example shop is down',
      body: 'Home page;Checkout API;',
    });
  });

  it('previews the webhook as its JSON body', () => {
    const hook = channelSchema.parse({ type: 'webhook', name: 'w', url: 'https://example.com/h', secret: '0123456789abcdef' });
    const preview = renderPreview(hook, 'incident.resolved', samplePayload('incident.opened'));
    expect(preview.format).toBe('json');
    expect(JSON.parse(preview.body)).toMatchObject({ event: 'incident.resolved', incident: { id: 42 }, sentAt: expect.any(String) });
  });
});
