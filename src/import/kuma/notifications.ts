import { randomBytes } from 'node:crypto';
import type { ChannelType } from '../../notify/channel.schema.js';
import { channelHost, isPrivateHost } from '../values.js';
import { textOr } from './values.js';

type Obj = Record<string, unknown>;
type Config = Record<string, unknown>;
/** A channel's fields, what changed on the way, or why the notification cannot be one. */
export type MappedChannel = { channel: Obj; notes: string[] } | { skip: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const present = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** The address inside `"Name" <a@b>` or a plain address. */
function address(text: string): string {
  return /<([^>]+)>/.exec(text)?.[1]?.trim() ?? text.trim();
}
const addresses = (...lists: unknown[]): string[] =>
  lists
    .flatMap((l) => (typeof l === 'string' ? l.split(/[,;]/) : []))
    .map(address)
    .filter(Boolean);

function origin(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function webhook(c: Config): MappedChannel {
  const notes = [
    "Upkeep sends its own JSON body (event, incident, monitors), signed with the secret in X-Upkeep-Signature; Kuma's receivers may need adjusting",
  ];
  if (str(c.webhookCustomBody) || c.webhookContentType === 'custom') notes.push("Kuma's custom body template was left out: Upkeep's webhook body is fixed");
  if (c.webhookContentType === 'form-data') notes.push('Kuma sent multipart form data; Upkeep sends JSON');
  let headers: Obj | undefined;
  if (str(c.webhookAdditionalHeaders)) {
    try {
      headers = JSON.parse(String(c.webhookAdditionalHeaders)) as Obj;
    } catch {
      return { skip: 'its additional headers are not a JSON object' };
    }
  }
  return {
    channel: present({
      type: 'webhook',
      url: str(c.webhookURL),
      // Upkeep signs every webhook; Kuma had no secret, so one is made (it goes to the env file like any secret).
      secret: randomBytes(24).toString('hex'),
      headers: headers ? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)])) : undefined,
    }),
    notes,
  };
}

function email(c: Config): MappedChannel {
  const notes: string[] = [];
  const to = addresses(c.smtpTo, c.smtpCC, c.smtpBCC);
  if (str(c.smtpCC) || str(c.smtpBCC)) notes.push('Cc and Bcc recipients are sent to as "to" (Upkeep has one list of recipients)');
  if (str(c.customSubject) || str(c.customBody))
    notes.push("Kuma's subject and body templates were left out: write Upkeep templates (Mustache) if you need them");
  if (str(c.smtpDkimDomain)) notes.push('DKIM signing was left out: sign at the relay');
  if (c.smtpIgnoreTLSError === true) notes.push("Kuma ignored the server's TLS errors; Upkeep verifies the certificate");
  const username = str(c.smtpUsername);
  const password = typeof c.smtpPassword === 'string' ? c.smtpPassword : undefined;
  return {
    channel: {
      type: 'email',
      to,
      from: address(textOr(c.smtpFrom, '')),
      smtp: present({
        host: str(c.smtpHost),
        port: Number(c.smtpPort ?? 587),
        security: c.smtpSecure === true || c.smtpSecure === 'true' ? 'tls' : 'starttls',
        ...(username ? { username, password: password ?? '' } : {}),
      }),
    },
    notes,
  };
}

/** A channel posting to a webhook URL, with the Kuma fields that name it. */
const simple =
  (type: ChannelType, urlField: string, extra: (c: Config) => Obj = () => ({}), dropped: string[] = []) =>
  (c: Config): MappedChannel => {
    const notes = dropped.filter((f) => str(c[f]) !== undefined).map((f) => `its "${f}" setting has no Upkeep counterpart and was left out`);
    return { channel: present({ type, url: str(c[urlField]), ...extra(c) }), notes };
  };

function ntfy(c: Config): MappedChannel {
  const method = str(c.ntfyAuthenticationMethod) ?? (str(c.ntfyusername) ? 'usernamePassword' : 'none');
  if (method === 'usernamePassword')
    return { skip: 'ntfy with a username and password: Upkeep\'s ntfy channel takes an access token (make one with "ntfy token add")' };
  const notes = c.ntfyPriority !== undefined ? ["ntfy's priority follows the incident's severity in Upkeep"] : [];
  return { channel: present({ type: 'ntfy', server: str(c.ntfyserverurl), topic: str(c.ntfytopic), token: str(c.ntfyaccesstoken) }), notes };
}

/**
 * Kuma's notification providers that Upkeep has as channels, field by field. A provider missing here
 * is listed as not supported.
 */
export const kumaProviders: Record<string, (c: Config) => MappedChannel> = {
  webhook,
  smtp: email,
  slack: simple('slack', 'slackwebhookURL', () => ({}), ['slackchannel', 'slackusername', 'slackiconemo']),
  discord: simple('discord', 'discordWebhookUrl', (c) => present({ username: str(c.discordUsername) }), ['discordPrefixMessage']),
  teams: (c) => ({
    channel: present({ type: 'teams', url: str(c.webhookUrl), format: 'messagecard' }),
    notes: ['Kuma posted legacy MessageCards; switch to format: adaptive when the URL is a Workflows webhook'],
  }),
  mattermost: simple('mattermost', 'mattermostWebhookUrl', (c) => present({ channel: str(c.mattermostchannel), username: str(c.mattermostusername) }), [
    'mattermosticonurl',
    'mattermosticonemo',
  ]),
  telegram: (c) => ({
    channel: present({
      type: 'telegram',
      botToken: str(c.telegramBotToken),
      chatId: str(c.telegramChatID),
      messageThreadId: str(c.telegramMessageThreadID) ? Number(c.telegramMessageThreadID) : undefined,
      apiUrl: str(c.telegramServerUrl),
    }),
    notes: c.telegramSendSilently === true ? ['silent sending has no Upkeep counterpart'] : [],
  }),
  matrix: (c) => ({
    channel: present({ type: 'matrix', homeserver: str(c.homeserverUrl), accessToken: str(c.accessToken), roomId: str(c.internalRoomId) }),
    notes: [],
  }),
  ntfy,
  gotify: (c) => ({
    channel: present({ type: 'gotify', server: str(c.gotifyserverurl), token: str(c.gotifyapplicationToken) }),
    notes: c.gotifyPriority !== undefined ? ["Gotify's priority follows the incident's severity in Upkeep"] : [],
  }),
  pushover: (c) => ({
    channel: present({
      type: 'pushover',
      userKey: str(c.pushoveruserkey),
      appToken: str(c.pushoverapptoken),
      device: str(c.pushoverdevice),
      sound: str(c.pushoversounds),
    }),
    notes: str(c.pushoverpriority) ? ['Pushover priority follows the incident: critical incidents are sent as emergencies'] : [],
  }),
  PagerDuty: (c) => ({
    channel: present({ type: 'pagerduty', routingKey: str(c.pagerdutyIntegrationKey), apiUrl: origin(str(c.pagerdutyIntegrationUrl)) }),
    notes: str(c.pagerdutyPriority) ? ["PagerDuty's severity follows the incident's severity in Upkeep"] : [],
  }),
  Opsgenie: (c) => ({
    channel: present({ type: 'opsgenie', apiKey: str(c.opsgenieApiKey), region: c.opsgenieRegion === 'eu' ? 'eu' : 'us' }),
    notes: c.opsgeniePriority !== undefined ? ["Opsgenie's priority follows the incident's severity in Upkeep"] : [],
  }),
};

/** One Kuma notification as an Upkeep channel, or why it cannot be one. */
export function mapKumaNotification(config: Config): MappedChannel {
  const type = textOr(config.type, '');
  const provider = kumaProviders[type];
  if (!provider) return { skip: 'provider not supported by Upkeep' };
  const mapped = provider(config);
  if ('channel' in mapped && isPrivateHost(channelHost(mapped.channel))) mapped.channel.allowPrivateTargets = true;
  return mapped;
}
