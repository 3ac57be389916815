import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync, scrypt, timingSafeEqual } from 'node:crypto';
import sodium from 'sodium-native';
import { AppError } from '../lib/errors.js';

/**
 * restic's authenticated encryption: AES-256-CTR, then Poly1305-AES over the ciphertext, stored as
 * `IV || CIPHERTEXT || MAC`. The IV doubles as the Poly1305 nonce, so the MAC key is `r || AES-128_k(IV)`.
 */
export interface MasterKey {
  encrypt: Buffer;
  macK: Buffer;
  macR: Buffer;
}

export const ivSize = 16;
export const macSize = 16;
export const cryptoOverhead = ivSize + macSize;

/** Poly1305 needs these bits of r cleared; restic stores r already masked and checks it when loading. */
export function maskPolyKey(r: Buffer): Buffer {
  const out = Buffer.from(r);
  for (const i of [3, 7, 11, 15]) out[i] = out[i]! & 15;
  for (const i of [4, 8, 12]) out[i] = out[i]! & 252;
  return out;
}

export function newMasterKey(): MasterKey {
  return { encrypt: randomBytes(32), macK: randomBytes(16), macR: maskPolyKey(randomBytes(16)) };
}

/** Poly1305 in native code (libsodium): the MAC covers every stored byte, and JavaScript's is several times slower. */
function mac(key: MasterKey, iv: Uint8Array, ciphertext: Uint8Array, out: Uint8Array = Buffer.alloc(macSize)): Uint8Array {
  const aes = createCipheriv('aes-128-ecb', key.macK, null);
  aes.setAutoPadding(false);
  sodium.crypto_onetimeauth(out, ciphertext, Buffer.concat([key.macR, aes.update(iv)]));
  return out;
}

/**
 * Encrypts into one buffer that owns its memory (never a slice of Node's shared pool), so a worker
 * thread can hand it over without copying.
 */
export function seal(key: MasterKey, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafeSlow(plaintext.length + cryptoOverhead);
  sealInto(key, plaintext, out);
  return out;
}

/** Encrypts into `out`, which is exactly `plaintext.length + cryptoOverhead` long (a place in a pack being written). */
export function sealInto(key: MasterKey, plaintext: Uint8Array, out: Uint8Array): void {
  const iv = out.subarray(0, ivSize);
  randomFillSync(iv);
  const cipher = createCipheriv('aes-256-ctr', key.encrypt, iv);
  const ciphertext = out.subarray(ivSize, ivSize + plaintext.length);
  ciphertext.set(cipher.update(plaintext));
  mac(key, iv, ciphertext, out.subarray(ivSize + plaintext.length));
}

/** Decrypts `IV || CIPHERTEXT || MAC`; a wrong key or a tampered byte is an error, never garbage. */
export function open(key: MasterKey, sealed: Uint8Array): Buffer {
  if (sealed.length < cryptoOverhead) throw new AppError('invalid_input', 'encrypted data is too short');
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const iv = buf.subarray(0, ivSize);
  const ciphertext = buf.subarray(ivSize, buf.length - macSize);
  const expected = mac(key, iv, ciphertext);
  if (!timingSafeEqual(expected, buf.subarray(buf.length - macSize))) {
    throw new AppError('unauthorized', 'ciphertext verification failed (wrong password or damaged data)');
  }
  const decipher = createDecipheriv('aes-256-ctr', key.encrypt, iv);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
}

/** The user key that unlocks a key file: 64 scrypt bytes = AES key, then Poly1305-AES's k and r. */
export async function deriveUserKey(password: string, params: ScryptParams): Promise<MasterKey> {
  const maxmem = 256 * params.N * params.r * params.p;
  const bytes = await new Promise<Buffer>((resolve, reject) => {
    scrypt(password, params.salt, 64, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
  return { encrypt: bytes.subarray(0, 32), macK: bytes.subarray(32, 48), macR: maskPolyKey(bytes.subarray(48, 64)) };
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The SHA-256 of `data`, or of its pieces one after the other (a chunk that spans several reads). */
export function sha256Hex(data: Uint8Array | readonly Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const piece of data instanceof Uint8Array ? [data] : data) hash.update(piece);
  return hash.digest('hex');
}
