import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../lib/errors.js';
import { maxId } from '../lib/ids.js';

/**
 * Signed approval links in update messages: the request's id and an expiry, with an HMAC (a key
 * derived from the instance key) over them and the plan's hash, so a link approves only the plan
 * it was sent for. Single use is the service's part: a request is decided once.
 *
 * @example const url = `${publicUrl}/update-approval/${links.sign(7, row.plan_hash, row.expires_at)}`
 */
export class ApprovalLinks {
  constructor(private readonly key: Buffer) {}

  sign(approvalId: number, planHash: string, expiresAt: number): string {
    const body = `${approvalId.toString(36)}.${Math.floor(expiresAt / 1000).toString(36)}`;
    return `${body}.${this.mac(body, planHash)}`;
  }

  /** The request a link names, before its plan is known (`check` then holds it to that plan). */
  idOf(token: string): number {
    const id = /^([0-9a-z]{1,10})\.[0-9a-z]{1,10}\.[\w-]{22}$/.exec(token)?.[1];
    // An id beyond any stored one is made up too (and would fail in the database rather than here).
    if (!id || parseInt(id, 36) > maxId) throw new AppError('invalid_input', 'this approval link is not genuine (it was changed or made up)');
    return parseInt(id, 36);
  }

  /**
   * Throws unless the link was signed for the plan of this request and has not expired. A link naming
   * no request fails as one signed for another plan: the answer does not tell which ids exist.
   */
  check(token: string, request: { plan_hash: string } | undefined, now: number): asserts request {
    const [id, exp, mac] = token.split('.') as [string, string, string];
    const expected = this.mac(`${id}.${exp}`, request?.plan_hash ?? '');
    if (!request || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected)))
      throw new AppError(
        'invalid_input',
        'this approval link is not for the plan now waiting (the plan changed, or the link was made up); decide in the dashboard',
      );
    if (parseInt(exp, 36) * 1000 <= now) throw new AppError('invalid_input', 'this approval link has expired; decide in the dashboard instead');
  }

  private mac(body: string, planHash: string): string {
    return createHmac('sha256', this.key).update(`${body}.${planHash}`).digest().subarray(0, 16).toString('base64url');
  }
}
