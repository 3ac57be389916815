import type { NetPolicy, Resolver } from '../lib/net/index.js';

/** What a notification is about. */
export const notificationEvents = [
  'incident.opened',
  'incident.updated',
  'incident.acknowledged',
  'incident.resolved',
  'incident.reminder',
  // Something worth a look that is not (yet) an incident: a spike of visitors' reports, an overdue routine (notify/notice.ts).
  'notice',
  // A GDPR task opened on a site: a new third party, a processor outside the EU/EEA without an agreement, the yearly review (privacy-records/).
  'privacy.task.opened',
  // A site's updates (src/updates), delivered as notices: updates were planned (waiting for approval, the message
  // carrying the signed link, or approved by the policy), a person or a signed link approved them, the approved run
  // waits for its policy's maintenance window (the message says which and when it starts), the run began;
  // then how it ended: kept (steps, pages, smoke checks and monitors passed), failed (being rolled back), rolled
  // back and verified, rollback failed (a critical incident is opened), or aborted before changing anything.
  'update.planned',
  'update.approved',
  'update.waiting',
  'update.started',
  'update.succeeded',
  'update.failed',
  'update.rolled_back',
  'update.rollback_failed',
  'update.aborted',
  'test',
] as const;
export type NotificationEvent = (typeof notificationEvents)[number];

export type Severity = 'critical' | 'major' | 'minor';
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

/**
 * Everything a channel needs to tell people about an incident; also, exactly, the JSON body of the
 * generic webhook (documented in docs/notifications.md). Times are ISO 8601.
 */
export interface NotificationPayload {
  event: NotificationEvent;
  /** When the change happened (not when this message is sent: retries keep it). */
  occurredAt: string;
  /** Stable for one incident across all its messages (PagerDuty dedup_key, Opsgenie alias): "upkeep-incident-42". */
  dedupKey: string;
  /** Stable for one message across its delivery attempts: receivers drop repeats by it. */
  notificationId: string;
  incident: {
    id: number;
    title: string;
    severity: Severity;
    status: IncidentStatus;
    openedAt: string;
    acknowledgedAt: string | null;
    resolvedAt: string | null;
    /** One line: what is wrong now, or what was. */
    summary: string;
    owner: string | null;
    /** The incident in the dashboard, when server.publicUrl is set. */
    url: string | null;
    /** A signed, expiring, single-use link that acknowledges without a login; null when not applicable. */
    acknowledgeUrl: string | null;
    /** A link to the runbook, or its Markdown. */
    runbook: string | null;
  };
  site: { id: number; name: string; url: string | null; tags: string[] };
  monitors: { id: number; name: string; type: string; status: string; message: string; since: string }[];
}

/** What a send attempt came to. A failure says whether trying again can help, and when. */
export type Delivery =
  { ok: true; status?: number; detail?: string } | { ok: false; retryable: boolean; retryAfterMs?: number; status?: number; message: string };

/** What a channel gets besides its config and the message: the guarded network client's settings. */
export interface DeliveryContext {
  policy: NetPolicy;
  resolver: Resolver;
  signal: AbortSignal;
  /** A message must be sent within this long, all of it (connect, TLS, body). */
  deadlineMs: number;
  /** Certificate authorities trusted besides the bundled ones (network.caFiles): a self-hosted server behind a private CA. */
  ca?: readonly string[];
}
