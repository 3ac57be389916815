import { z } from 'zod';
import { duration } from '../config/duration.js';
import { expected, hostName, httpUrl, objectName, port } from '../config/fields.js';
import { KindRegistry } from '../lib/kinds.js';
import { discordChannel } from './channels/discord.js';
import { emailChannel } from './channels/email.js';
import { gotifyChannel } from './channels/gotify.js';
import { matrixChannel } from './channels/matrix.js';
import { mattermostChannel } from './channels/mattermost.js';
import { ntfyChannel } from './channels/ntfy.js';
import { opsgenieChannel } from './channels/opsgenie.js';
import { pagerdutyChannel } from './channels/pagerduty.js';
import { pushoverChannel } from './channels/pushover.js';
import { slackChannel } from './channels/slack.js';
import { teamsChannel } from './channels/teams.js';
import { telegramChannel } from './channels/telegram.js';
import { webhookChannel } from './channels/webhook.js';

import { templateKeys } from './default-templates.js';
import { templateProblem } from './templates.js';
import { secretFields } from '../lib/secrets.js';

const template = z
  .string()
  .max(10_000, 'a template is at most 10,000 characters')
  .superRefine((text, ctx) => {
    const problem = templateProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const templatePair = z.object({ title: template.optional(), body: template.optional() }).strict();
/** Per-event title and body overrides: `templates: { opened: { title, body }, resolved: { body } }`. */
export const templatesSchema = z
  .object(
    Object.fromEntries(templateKeys.map((key) => [key, templatePair.optional()])) as Record<(typeof templateKeys)[number], z.ZodOptional<typeof templatePair>>,
  )
  .strict()
  .optional();

const secretText = (what: string) =>
  z
    .string({ error: expected(what) })
    .trim()
    .min(1, `${what} cannot be empty`);

const base = {
  name: objectName('channel'),
  /** Lets this channel reach loopback and private addresses: a Gotify, ntfy or Matrix server on the LAN. */
  allowPrivateTargets: z.boolean().optional(),
};
/** Channels whose messages are rendered from templates (all but the generic webhook, which sends the payload itself). */
const templated = { ...base, templates: templatesSchema };
const channel = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z
    .object({ type: z.literal(type), ...shape })
    .strict()
    .describe(`a ${type} channel`);

const webhook = channel('webhook', {
  ...base,
  url: httpUrl,
  /** Signs every body: `X-Upkeep-Signature: sha256=<hex HMAC-SHA256>`. */
  secret: z.string().min(16, 'a webhook secret is at least 16 characters'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name is letters, digits and "-"'), z.string()).optional(),
});

/** An SMTP server: of email channels, and of the instance's own sender (`email:`, for status-page subscribers). */
export const smtpSchema = z
  .object({
    host: hostName,
    port: port.default(587),
    /** "starttls" upgrades a plain connection (port 587), "tls" connects over TLS (port 465), "none" sends in the clear (local relays only). */
    security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
    username: z.string().optional(),
    password: z.string().optional(),
  })
  .strict()
  .refine((smtp) => (smtp.username === undefined) === (smtp.password === undefined), {
    message: 'give both smtp.username and smtp.password, or neither',
  });

const email = channel('email', {
  ...templated,
  to: z.array(z.email()).min(1, 'an email channel needs at least one address in "to"'),
  from: z.email(),
  smtp: smtpSchema,
});

const slack = channel('slack', { ...templated, url: httpUrl.describe('the incoming webhook URL (a secret)') });
const discord = channel('discord', { ...templated, url: httpUrl.describe('the webhook URL (a secret)'), username: z.string().max(80).optional() });
const mattermost = channel('mattermost', {
  ...templated,
  url: httpUrl.describe('the incoming webhook URL (a secret)'),
  channel: z.string().optional(),
  username: z.string().optional(),
});
const teams = channel('teams', {
  ...templated,
  url: httpUrl.describe('the Workflows (Power Automate) or incoming webhook URL (a secret)'),
  /** "adaptive": an Adaptive Card for Workflows webhooks; "messagecard": the legacy Office 365 connector card. */
  format: z.enum(['adaptive', 'messagecard']).default('adaptive'),
});

const telegram = channel('telegram', {
  ...templated,
  botToken: z.string().regex(/^\d+:[\w-]+$/, 'expected a bot token like "123456:ABC-DEF…" (from @BotFather)'),
  chatId: z.string().regex(/^(-?\d+|@\w{4,})$/, 'expected a chat id like "-1001234567890" or a channel like "@my_channel"'),
  /** A forum topic of the chat. */
  messageThreadId: z.number().int().positive().optional(),
  apiUrl: httpUrl.default('https://api.telegram.org'),
});

const matrix = channel('matrix', {
  ...templated,
  homeserver: httpUrl,
  accessToken: secretText('an access token'),
  roomId: z.string().regex(/^![^:\s]+:\S+$/, 'expected a room id like "!abcdef:example.org" (Room settings → Advanced)'),
});

const ntfy = channel('ntfy', {
  ...templated,
  server: httpUrl.default('https://ntfy.sh'),
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'a topic is 1–64 letters, digits, "-" or "_"'),
  /** An access token (tk_…) for protected topics. */
  token: secretText('a token').optional(),
});

const gotify = channel('gotify', { ...templated, server: httpUrl, token: secretText('an application token') });

const pushover = channel('pushover', {
  ...templated,
  userKey: z.string().regex(/^[A-Za-z0-9]{30}$/, 'a Pushover user or group key is 30 letters and digits'),
  appToken: z.string().regex(/^[A-Za-z0-9]{30}$/, 'a Pushover application token is 30 letters and digits'),
  device: z.string().optional(),
  sound: z.string().optional(),
  /** Critical incidents are sent as emergencies, repeated every `retry` until acknowledged or `expire` passes. */
  emergency: z
    .object({ retry: duration({ min: 30_000, max: 10_800_000 }).prefault('60s'), expire: duration({ min: 30_000, max: 10_800_000 }).prefault('1h') })
    .strict()
    .prefault({}),
  apiUrl: httpUrl.default('https://api.pushover.net'),
});

const pagerduty = channel('pagerduty', {
  ...templated,
  routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, 'a PagerDuty integration (routing) key is 32 letters and digits'),
  apiUrl: httpUrl.default('https://events.pagerduty.com'),
});

const opsgenie = channel('opsgenie', {
  ...templated,
  apiKey: secretText('an API key'),
  region: z.enum(['us', 'eu']).default('us'),
  /** Replaces the region's endpoint (https://api.opsgenie.com, https://api.eu.opsgenie.com). */
  apiUrl: httpUrl.optional(),
});

/**
 * Every channel type: its schema, its secrets and where they are sent (changing a destination needs
 * the secrets written again), and how it sends. A webhook URL of Slack, Discord, Teams or Mattermost
 * is itself the secret (whoever has it can post to the channel), so it has no other destination.
 * The union, the JSON Schema, the API document, `GET /api/v1/kinds` and the dashboard follow from it.
 */
export const channelKinds = new KindRegistry('channel', 'type', {
  webhook: {
    kind: 'webhook',
    label: 'Webhook (signed JSON)',
    configSchema: webhook,
    secretFields: secretFields(['secret', 'headers.*'], ['url']),
    behaviour: webhookChannel,
  },
  email: {
    kind: 'email',
    label: 'Email (SMTP)',
    configSchema: email,
    secretFields: secretFields(['smtp.password'], ['smtp.host', 'smtp.port', 'smtp.security']),
    behaviour: emailChannel,
  },
  slack: { kind: 'slack', label: 'Slack', configSchema: slack, secretFields: secretFields(['url']), behaviour: slackChannel },
  discord: { kind: 'discord', label: 'Discord', configSchema: discord, secretFields: secretFields(['url']), behaviour: discordChannel },
  teams: { kind: 'teams', label: 'Microsoft Teams', configSchema: teams, secretFields: secretFields(['url']), behaviour: teamsChannel },
  telegram: { kind: 'telegram', label: 'Telegram', configSchema: telegram, secretFields: secretFields(['botToken'], ['apiUrl']), behaviour: telegramChannel },
  matrix: { kind: 'matrix', label: 'Matrix', configSchema: matrix, secretFields: secretFields(['accessToken'], ['homeserver']), behaviour: matrixChannel },
  mattermost: { kind: 'mattermost', label: 'Mattermost', configSchema: mattermost, secretFields: secretFields(['url']), behaviour: mattermostChannel },
  ntfy: { kind: 'ntfy', label: 'ntfy', configSchema: ntfy, secretFields: secretFields(['token'], ['server']), behaviour: ntfyChannel },
  gotify: { kind: 'gotify', label: 'Gotify', configSchema: gotify, secretFields: secretFields(['token'], ['server']), behaviour: gotifyChannel },
  pushover: {
    kind: 'pushover',
    label: 'Pushover',
    configSchema: pushover,
    secretFields: secretFields(['userKey', 'appToken'], ['apiUrl']),
    behaviour: pushoverChannel,
  },
  pagerduty: {
    kind: 'pagerduty',
    label: 'PagerDuty',
    configSchema: pagerduty,
    secretFields: secretFields(['routingKey'], ['apiUrl']),
    behaviour: pagerdutyChannel,
  },
  opsgenie: {
    kind: 'opsgenie',
    label: 'Opsgenie',
    configSchema: opsgenie,
    secretFields: secretFields(['apiKey'], ['apiUrl', 'region']),
    behaviour: opsgenieChannel,
  },
});

export const channelSchema = channelKinds.schema.meta({
  examples: [
    { type: 'webhook', name: 'Ops hook', url: 'https://hooks.example.com/upkeep', secret: 'a-long-random-secret-of-yours' },
    { type: 'ntfy', name: 'Phones', topic: 'agency-alerts' },
  ],
});
export type ChannelInput = z.input<typeof channelSchema>;
export type ChannelSpec = z.output<typeof channelSchema>;
export type ChannelType = ChannelSpec['type'];
export type SpecOf<K extends ChannelType> = Extract<ChannelSpec, { type: K }>;

/** Fields anyone who may change a channel may change, also on one that may reach private addresses: they change neither where it sends nor what. */
export const channelFreeFields: ReadonlySet<string> = new Set(['name', 'templates']);
