import type { ChannelType } from '../channel.schema.js';
import { discordChannel } from './discord.js';
import { emailChannel } from './email.js';
import { gotifyChannel } from './gotify.js';
import { matrixChannel } from './matrix.js';
import { mattermostChannel } from './mattermost.js';
import { ntfyChannel } from './ntfy.js';
import { opsgenieChannel } from './opsgenie.js';
import { pagerdutyChannel } from './pagerduty.js';
import type { ChannelPlugin } from './plugin.js';
import { pushoverChannel } from './pushover.js';
import { slackChannel } from './slack.js';
import { teamsChannel } from './teams.js';
import { telegramChannel } from './telegram.js';
import { webhookChannel } from './webhook.js';

/** Every channel kind and how it sends; a new kind in channel.schema.ts without a plugin here is a compile error. */
export const channelPlugins: { [K in ChannelType]: ChannelPlugin<K> } = {
  webhook: webhookChannel,
  email: emailChannel,
  slack: slackChannel,
  discord: discordChannel,
  teams: teamsChannel,
  telegram: telegramChannel,
  matrix: matrixChannel,
  mattermost: mattermostChannel,
  ntfy: ntfyChannel,
  gotify: gotifyChannel,
  pushover: pushoverChannel,
  pagerduty: pagerdutyChannel,
  opsgenie: opsgenieChannel,
};

export type { ChannelPlugin, Message } from './plugin.js';
