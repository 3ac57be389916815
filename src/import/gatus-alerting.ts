import { randomBytes } from 'node:crypto';
import { channelHost, isPrivateHost } from './values.js';

type Obj = Record<string, unknown>;
export type MappedChannel = { channel: Obj; notes: string[] } | { skip: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);
const present = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Gatus alerting providers that Upkeep has as channels, key by key (Gatus's config names). */
const providers: Record<string, (c: Obj) => Obj> = {
  slack: (c) => ({ type: 'slack', url: str(c['webhook-url']) }),
  discord: (c) => ({ type: 'discord', url: str(c['webhook-url']) }),
  mattermost: (c) => ({ type: 'mattermost', url: str(c['webhook-url']), channel: str(c.channel) }),
  teams: (c) => ({ type: 'teams', url: str(c['webhook-url']), format: 'messagecard' }),
  'teams-workflows': (c) => ({ type: 'teams', url: str(c['webhook-url']), format: 'adaptive' }),
  telegram: (c) => ({ type: 'telegram', botToken: str(c.token), chatId: str(c.id), apiUrl: str(c['api-url']) }),
  matrix: (c) => ({
    type: 'matrix',
    homeserver: str(c['server-url']) ?? 'https://matrix-client.matrix.org',
    accessToken: str(c['access-token']),
    roomId: str(c['internal-room-id']),
  }),
  ntfy: (c) => ({ type: 'ntfy', server: str(c.url), topic: str(c.topic), token: str(c.token) }),
  gotify: (c) => ({ type: 'gotify', server: str(c['server-url']), token: str(c.token) }),
  pushover: (c) => ({ type: 'pushover', appToken: str(c['application-token']), userKey: str(c['user-key']), device: str(c.device), sound: str(c.sound) }),
  pagerduty: (c) => ({ type: 'pagerduty', routingKey: str(c['integration-key']) }),
  opsgenie: (c) => ({ type: 'opsgenie', apiKey: str(c['api-key']), apiUrl: str(c['api-url']) }),
  email: (c) => ({
    type: 'email',
    from: str(c.from),
    to: (str(c.to) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    smtp: present({
      host: str(c.host),
      port: Number(c.port ?? 587),
      security: Number(c.port) === 465 ? 'tls' : 'starttls',
      ...((str(c.username) ?? str(c.from)) ? { username: str(c.username) ?? str(c.from), password: str(c.password) ?? '' } : {}),
    }),
  }),
  custom: (c) => ({ type: 'webhook', url: str(c.url), secret: randomBytes(24).toString('hex'), headers: c.headers }),
};

/** One Gatus alerting provider as an Upkeep channel, or why it cannot be one. */
export function gatusChannel(provider: string, settings: Obj): MappedChannel {
  const make = providers[provider];
  if (!make) return { skip: 'provider not supported by Upkeep' };
  const channel = present(make(settings));
  const notes: string[] = [];
  if (settings['default-alert']) notes.push("its default-alert settings belong to each endpoint's alerts in Upkeep (downAfter, upAfter on the monitor)");
  if (settings.overrides) notes.push('its per-group overrides were left out: make one channel per override');
  if (provider === 'custom') notes.push("Upkeep's webhook sends its own signed JSON body; Gatus's body template and method were left out");
  if (isPrivateHost(channelHost(channel))) channel.allowPrivateTargets = true;
  return { channel, notes };
}
