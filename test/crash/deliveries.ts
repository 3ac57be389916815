import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/types.js';
import type { WebhookMessage } from '../support/receivers.js';

/**
 * Compares what the receiver got with the outbox: every message of every incident delivered and
 * accepted, each incident's messages first accepted in the order they were written (opened first,
 * resolved last), repeats carrying the same notification id and content, and nothing the outbox
 * never held. `refused` are the indexes of the messages the receiver answered with 503.
 */
export async function checkDeliveries(
  db: Kysely<Database>,
  messages: readonly WebhookMessage[],
  refused: ReadonlySet<number>,
): Promise<{ problems: string[]; incidents: number; messages: number }> {
  const problems: string[] = [];
  const rows = await db.selectFrom('notifications').select(['id', 'incident_id', 'event', 'status', 'seq']).orderBy('incident_id').orderBy('seq').execute();
  const byId = new Map(rows.map((r) => [r.id, r]));
  const incidents = await db.selectFrom('incidents').select(['id', 'status']).execute();

  const copies = new Map<string, WebhookMessage[]>();
  for (const m of messages) copies.set(m.body.notificationId, [...(copies.get(m.body.notificationId) ?? []), m]);
  for (const [id, list] of copies) {
    const first = list[0]!.body;
    if (!byId.has(id)) problems.push(`message ${id} (${first.event}) is not in the outbox`);
    for (const m of list) {
      if (!m.signed) problems.push(`message ${id} is not signed`);
      if (m.headers['idempotency-key'] !== id) problems.push(`message ${id} came with Idempotency-Key ${String(m.headers['idempotency-key'])}`);
      if (m.body.event !== first.event || m.body.incident.id !== first.incident.id || m.body.dedupKey !== first.dedupKey)
        problems.push(`message ${id} was repeated with other content: ${m.body.event} of incident ${m.body.incident.id}`);
    }
  }

  // The order in which the receiver first accepted each message, per incident.
  const accepted = new Map<number, string[]>();
  messages.forEach((m, i) => {
    if (refused.has(i)) return;
    const list = accepted.get(m.body.incident.id) ?? [];
    if (!list.includes(m.body.notificationId)) list.push(m.body.notificationId);
    accepted.set(m.body.incident.id, list);
  });
  for (const incident of incidents) {
    const written = rows.filter((r) => r.incident_id === incident.id);
    if (incident.status !== 'resolved') problems.push(`incident ${incident.id} is ${incident.status}`);
    if (!written.length) {
      problems.push(`incident ${incident.id} has no messages`);
      continue;
    }
    for (const r of written) if (r.status !== 'delivered') problems.push(`incident ${incident.id}: ${r.event} ${r.id} is ${r.status}`);
    const events = written.map((r) => r.event);
    if (events[0] !== 'incident.opened' || events.at(-1) !== 'incident.resolved') problems.push(`incident ${incident.id} has messages ${events.join(', ')}`);
    const order = accepted.get(incident.id) ?? [];
    const expected = written.map((r) => r.id);
    if (order.join() !== expected.join())
      problems.push(
        `incident ${incident.id}: the receiver accepted ${order.map((id) => byId.get(id)?.event ?? id).join(', ')}; written were ${events.join(', ')}`,
      );
  }
  return { problems, incidents: incidents.length, messages: rows.length };
}
