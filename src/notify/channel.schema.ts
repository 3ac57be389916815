import { z } from 'zod';
import { httpUrl, hostName, objectName, port } from '../config/fields.js';

const baseFields = { name: objectName('channel') };

const webhook = z
  .object({
    type: z.literal('webhook'),
    ...baseFields,
    url: httpUrl,
    /** Signs every body: `X-Upkeep-Signature: sha256=<hex HMAC-SHA256>`. */
    secret: z.string().min(16, 'a webhook secret is at least 16 characters'),
    headers: z.record(z.string().min(1), z.string()).optional(),
  })
  .strict();

const email = z
  .object({
    type: z.literal('email'),
    ...baseFields,
    to: z.array(z.email()).min(1),
    from: z.email(),
    smtp: z
      .object({
        host: hostName,
        port: port.default(587),
        /** "starttls" upgrades a plain connection (port 587), "tls" connects over TLS (port 465), "none" sends in the clear (local relays only). */
        security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
        username: z.string().optional(),
        password: z.string().optional(),
      })
      .strict(),
  })
  .strict();

export const channelSchemas = { webhook, email };
export type ChannelType = keyof typeof channelSchemas;
export const channelTypes = Object.keys(channelSchemas) as ChannelType[];

export const channelSchema = z.discriminatedUnion('type', [webhook, email]);
export type ChannelInput = z.input<typeof channelSchema>;
export type ChannelSpec = z.output<typeof channelSchema>;

/** Which fields of each channel type hold secrets (paths relative to the channel). */
export const channelSecretFields = {
  webhook: (path) => path[0] === 'secret' || (path[0] === 'headers' && path.length === 2),
  email: (path) => path[0] === 'smtp' && path[1] === 'password',
} satisfies Record<ChannelType, (path: readonly string[]) => boolean>;
