import { randomUUID } from 'node:crypto';
import type { NotificationEvent, NotificationPayload } from './notification.js';

/**
 * A believable payload for previews and test sends: one open incident on one site with two
 * monitors. `notificationId` is fresh each time, so a test send is never dropped as a repeat.
 */
export function samplePayload(event: NotificationEvent, now: Date = new Date()): NotificationPayload {
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000).toISOString();
  const status = event === 'incident.resolved' ? 'resolved' : event === 'incident.acknowledged' ? 'acknowledged' : 'open';
  return {
    event,
    occurredAt: now.toISOString(),
    dedupKey: event === 'test' ? `upkeep-test-${randomUUID()}` : 'upkeep-incident-42',
    notificationId: randomUUID(),
    incident: {
      id: 42,
      title: 'Example shop is down',
      severity: 'critical',
      status,
      openedAt: at(12),
      acknowledgedAt: status === 'open' ? null : at(5),
      resolvedAt: status === 'resolved' ? now.toISOString() : null,
      summary: 'Home page: HTTP 503 from shop.example.com for 12 minutes',
      owner: status === 'open' ? null : 'alice@example.com',
      url: 'https://upkeep.example.com/incidents/42',
      acknowledgeUrl: status === 'open' ? 'https://upkeep.example.com/ack/6f1c2e9a' : null,
      runbook: 'https://wiki.example.com/runbooks/shop',
    },
    site: { id: 7, name: 'Example shop', url: 'https://shop.example.com', tags: ['client-acme', 'ecommerce'] },
    monitors: [
      { id: 11, name: 'Home page', type: 'http', status: 'down', message: 'HTTP 503 Service Unavailable', since: at(12) },
      { id: 12, name: 'Checkout API', type: 'http', status: 'degraded', message: 'slower than usual: 2.4 s (usually 310 ms)', since: at(9) },
    ],
  };
}
