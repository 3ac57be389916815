import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { ConfigObjectsRepository } from '../incidents/config-objects.repository.js';
import type { ContactSpec } from '../incidents/incidents.schema.js';
import type { Channel } from '../notify/channel-codec.js';
import { domainOf, sendMail } from '../notify/channels/email.js';
import { policyFor } from '../notify/channels/http.js';
import type { RecipientKind } from '../notify/outbox.js';
import type { ArchiveRepository } from './archive.repository.js';

/** The outbox's name for a sent report's recipients: the recipient id is the archived report's. */
export const REPORT_RECIPIENT = 'report';

/** What the outbox keeps for one email of a report. */
export interface ReportMail {
  channelId: number;
  subject: string;
  text: string;
  filename: string;
}

/**
 * The email channels a report goes to: each name in `to` is an email channel, or a contact whose
 * email channels are taken (a contact's other channels are for alerts, not documents).
 */
export async function emailChannelsOf(db: Kysely<Database>, channels: readonly Channel[], to: readonly string[]): Promise<Channel[]> {
  const contacts = new Map((await new ConfigObjectsRepository(db).all('contact')).map((c) => [c.name, JSON.parse(c.spec) as ContactSpec]));
  const emails = new Map(channels.filter((c) => c.spec.type === 'email').map((c) => [c.spec.name, c]));
  const out = new Map<number, Channel>();
  for (const name of to)
    for (const n of contacts.get(name)?.channels ?? [name]) {
      const channel = emails.get(n);
      if (channel) out.set(channel.id, channel);
    }
  return [...out.values()];
}

/**
 * How the outbox delivers a report: one email per email channel, through that channel's SMTP server
 * on the guarded client (the email channel's own `sendMail`), the archived PDF attached. A report or
 * channel deleted since is cancelled.
 */
export function reportRecipients(deps: { archive: ArchiveRepository; channel: (id: number) => Promise<Channel | undefined> }): RecipientKind {
  return {
    maxAttempts: 12,
    async deliver(message, ctx) {
      const report = await deps.archive.get(message.recipientId);
      const mail = JSON.parse(message.payload) as ReportMail;
      const channel = await deps.channel(mail.channelId);
      if (!report || channel?.spec.type !== 'email') return undefined;
      const spec = channel.spec;
      return sendMail(
        spec.smtp,
        {
          from: spec.from,
          to: spec.to,
          subject: mail.subject,
          text: mail.text,
          messageId: `<${message.id}@${domainOf(spec.from)}>`,
          attachments: [{ filename: mail.filename, content: Buffer.from(report.pdf, 'base64'), contentType: 'application/pdf' }],
          headers: { 'X-Upkeep-Event': 'report.sent' },
        },
        ctx,
        policyFor(spec, ctx),
      );
    },
  };
}
