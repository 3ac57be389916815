import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/app.js';
import { channelKinds } from '../../src/notify/channel.schema.js';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects, type TestDatabase } from '../support/databases.js';

const env = {
  WEBHOOK_SECRET: 'whsec-0123456789abcdef',
  SMTP_PASSWORD: 'smtp-pass',
  SLACK_URL: 'https://hooks.slack.com/services/T0/B0/x',
  TG_TOKEN: '123456:ABC-def',
  PD_KEY: 'R0ABCDEFGHIJKLMNOPQRSTUVWXYZ0123',
  DISCORD_URL: 'https://discord.com/api/webhooks/1/abc',
  TEAMS_URL: 'https://example.webhook.office.com/webhookb2/x',
  MATRIX_TOKEN: 'syt_abc',
  MM_URL: 'https://chat.example.com/hooks/xyz',
  NTFY_TOKEN: 'tk_abc',
  GOTIFY_TOKEN: 'AbC.123',
  PO_USER: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG',
  PO_TOKEN: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi',
  OG_KEY: 'og-key',
  AUTH_HEADER: 'Bearer abc',
};

/** One channel of every kind, with the fields people set and every secret from the environment, as the docs advise. */
const yaml = `
channels:
  - name: hook
    type: webhook
    url: https://hooks.example.com/upkeep
    secret: \${WEBHOOK_SECRET}
    headers: { Authorization: '\${AUTH_HEADER}' }
  - name: mail
    type: email
    to: [ops@example.com]
    from: upkeep@example.com
    smtp: { host: smtp.example.com, port: 465, security: tls, username: upkeep, password: '\${SMTP_PASSWORD}' }
    templates:
      opened: { title: 'DOWN {{site.name}}' }
  - name: slack
    type: slack
    url: \${SLACK_URL}
  - name: discord
    type: discord
    url: \${DISCORD_URL}
    username: Upkeep
  - name: teams
    type: teams
    url: \${TEAMS_URL}
    format: messagecard
  - name: telegram
    type: telegram
    botToken: \${TG_TOKEN}
    chatId: '-1001234567890'
  - name: matrix
    type: matrix
    homeserver: https://matrix.example.org
    accessToken: \${MATRIX_TOKEN}
    roomId: '!room:example.org'
  - name: mattermost
    type: mattermost
    url: \${MM_URL}
    channel: ops
  - name: ntfy
    type: ntfy
    topic: upkeep-alerts
    token: \${NTFY_TOKEN}
    allowPrivateTargets: true
  - name: gotify
    type: gotify
    server: http://gotify.lan
    token: \${GOTIFY_TOKEN}
    allowPrivateTargets: true
  - name: pushover
    type: pushover
    userKey: \${PO_USER}
    appToken: \${PO_TOKEN}
    emergency: { retry: 2m }
  - name: pagerduty
    type: pagerduty
    routingKey: \${PD_KEY}
  - name: opsgenie
    type: opsgenie
    apiKey: \${OG_KEY}
    region: eu
`;

describe.each(dialects)('channels in upkeep.yaml on $dialect', ({ dialect, skip }) => {
  if (skip) {
    it.skip(skip, () => {});
    return;
  }
  let db: TestDatabase;
  let core: Core;
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    core = await openTestCore(db);
  });
  afterAll(async () => {
    await core?.close();
    await db?.cleanup();
  });

  it('covers every kind', () => {
    expect(new Set([...yaml.matchAll(/^ {4}type: (\w+)$/gm)].map((m) => m[1]))).toEqual(new Set(channelKinds.names()));
  });

  it('apply → export → apply changes nothing; secrets are sealed and exported as the same ${VAR}s', async () => {
    const first = await core.sync.apply(config(yaml, env), { dryRun: false });
    expect(first.items).toHaveLength(channelKinds.names().length);
    expect((await core.sync.apply(config(yaml, env), { dryRun: false })).items).toEqual([]);
    const raw = JSON.stringify(await core.storage.db.selectFrom('channels').selectAll().execute());
    for (const secret of Object.values(env)) expect(raw).not.toContain(secret);
    const exported = await core.exportConfig({ includeSecrets: false });
    for (const name of Object.keys(env)) expect(exported.yaml).toContain(`\${${name}}`);
    expect(exported.secretVariables).toEqual([]);
    expect((await core.sync.apply(config(exported.yaml, env), { dryRun: false })).items).toEqual([]);
  });

  it('a channel made in the API exports its secrets as new variables, and the file then owns it unchanged', async () => {
    await core.channels.create({ type: 'matrix', name: 'made-here', homeserver: 'https://m.example.org', accessToken: 'syt_api', roomId: '!r:example.org' });
    const exported = await core.exportConfig({ includeSecrets: false });
    expect(exported.secretVariables).toEqual([{ name: 'UPKEEP_SECRET_MADE_HERE_ACCESSTOKEN', holds: 'accessToken of made-here' }]);
    expect(exported.yaml).not.toContain('syt_api');
    const filled = { ...env, UPKEEP_SECRET_MADE_HERE_ACCESSTOKEN: 'syt_api' };
    const plan = await core.sync.apply(config(exported.yaml, filled), { dryRun: false });
    expect(plan.items.map((i) => i.key)).toEqual(['made-here']);
    expect(plan.items[0]!.changes).toEqual(['made in the API: now managed by the config file', 'environment variable references changed']);
    expect((await core.sync.apply(config(exported.yaml, filled), { dryRun: false })).items).toEqual([]);
  });

  it('exports with secrets in clear for --include-secrets, and that file too applies with no changes', async () => {
    await core.channels.create({ type: 'pagerduty', name: 'pd-made-here', routingKey: 'Z9ABCDEFGHIJKLMNOPQRSTUVWXYZ0123' });
    const exported = await core.exportConfig({ includeSecrets: true });
    expect(exported.yaml).toContain('routingKey: Z9ABCDEFGHIJKLMNOPQRSTUVWXYZ0123');
    const plan = await core.sync.apply(config(exported.yaml, { ...env, UPKEEP_SECRET_MADE_HERE_ACCESSTOKEN: 'syt_api' }), { dryRun: false });
    expect(plan.items).toEqual([]);
    expect(plan.adopted).toEqual(['channel "pd-made-here"']);
  });
});
