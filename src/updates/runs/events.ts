/**
 * What an update run tells: `update.*` events, stored with the run in the transaction of the change
 * they tell of (table update_events), in the shape channels and webhooks will receive.
 */
export const updateEvents = [
  /** Updates were planned for a site: waiting for approval (the message carries the signed link), or approved by its policy. */
  'update.planned',
  /** A person (or a signed link) approved a planned run; it starts now. */
  'update.approved',
  /** The maintenance window is open and the run has begun. */
  'update.started',
  /** Every step ran and the pages, smoke checks and monitors passed: the update is kept. */
  'update.succeeded',
  /** A step or the verification failed; the site is being rolled back. */
  'update.failed',
  /** The rollback is done and the site verified as it was before. */
  'update.rolled_back',
  /** The rollback failed or the site does not verify after it: a critical incident is opened. */
  'update.rollback_failed',
  /** The run stopped before changing anything (the backup or the first capture failed). */
  'update.aborted',
] as const;
export type UpdateEvent = (typeof updateEvents)[number];

export interface UpdateEventPayload {
  event: UpdateEvent;
  occurredAt: string;
  run: { id: number; status: string; phase: string; reason: string | null; steps: string[] };
  site: { id: number; name: string; url: string | null };
  /** The critical incident a failed rollback opened. */
  incidentId?: number;
}
