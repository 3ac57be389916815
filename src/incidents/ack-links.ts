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

  /** A short token (about 50 characters, so links stay whole in every mail client): id.expiry.nonce.mac. */
  sign(incidentId: number, expiresAt: number): string {
    const body = `${incidentId.toString(36)}.${Math.floor(expiresAt / 1000).toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${body}.${this.mac(body)}`;
  }

  /** The claims of a genuine link that has not expired; a clear `invalid_input` error otherwise. */
  verify(token: string, now: number): LinkClaims {
    const parts = token.split('.');
    const body = parts.slice(0, 3).join('.');
    const mac = parts[3] ?? '';
    const expected = this.mac(body);
    if (parts.length !== 4 || mac.length !== expected.length || !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) {
      throw new AppError('invalid_input', 'this acknowledge link is not genuine (it was changed or made up)');
    }
    const expiresAt = parseInt(parts[1]!, 36) * 1000;
    if (expiresAt <= now) throw new AppError('invalid_input', 'this acknowledge link has expired; acknowledge the incident in the dashboard instead');
    return { incidentId: parseInt(parts[0]!, 36), expiresAt, nonce: parts[2]! };
  }

  /** HMAC-SHA256 cut to 128 bits: plenty against forgery, and short. */
  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest().subarray(0, 16).toString('base64url');
  }
}
