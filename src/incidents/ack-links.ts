import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../lib/errors.js';

export interface LinkClaims {
  incidentId: number;
  expiresAt: number;
  nonce: string;
}

/**
 * Acknowledge links in messages: the incident id, an expiry and a nonce, signed with a key derived
 * from the instance key. Checking the signature and expiry is done here; single use is the
 * service's job (the nonce is recorded in the same transaction as the acknowledgement).
 *
 * @example const url = `${publicUrl}/ack/${links.sign(42, now + ttl)}`
 */
export class AckLinks {
  constructor(private readonly key: Buffer) {}

  sign(incidentId: number, expiresAt: number): string {
    const body = Buffer.from(JSON.stringify({ i: incidentId, e: expiresAt, n: randomBytes(12).toString('base64url') })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a genuine link that has not expired; a clear `invalid_input` error otherwise. */
  verify(token: string, now: number): LinkClaims {
    const [body, mac] = token.split('.');
    const expected = body ? this.mac(body) : '';
    if (!body || !mac || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      throw new AppError('invalid_input', 'this acknowledge link is not genuine (it was changed or made up)');
    }
    const { i, e, n } = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { i: number; e: number; n: string };
    if (e <= now) throw new AppError('invalid_input', 'this acknowledge link has expired; acknowledge the incident in the dashboard instead');
    return { incidentId: i, expiresAt: e, nonce: n };
  }

  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
