import { randomBytes } from 'node:crypto';
import { AppError } from '../../lib/errors.js';

/**
 * Polynomials over GF(2) held as bigint bit sets. Only used to pick a repository's chunker polynomial
 * and to build the chunker's lookup tables, so clarity beats speed here.
 */
export type Pol = bigint;

export function degree(x: Pol): number {
  return x === 0n ? -1 : x.toString(2).length - 1;
}

export function polMod(x: Pol, d: Pol): Pol {
  const dd = degree(d);
  if (dd < 0) throw new AppError('internal', 'polynomial division by zero');
  let rest = x;
  for (let diff = degree(rest) - dd; diff >= 0; diff = degree(rest) - dd) rest ^= d << BigInt(diff);
  return rest;
}

function gcd(a: Pol, b: Pol): Pol {
  let [x, y] = degree(a) < degree(b) ? [b, a] : [a, b];
  while (y !== 0n) [x, y] = [y, polMod(x, y)];
  return x;
}

function mulMod(a: Pol, b: Pol, m: Pol): Pol {
  let result = 0n;
  let shifted = polMod(a, m);
  for (let bits = b; bits !== 0n; bits >>= 1n) {
    if (bits & 1n) result ^= shifted;
    shifted = polMod(shifted << 1n, m);
  }
  return result;
}

/** Ben-Or's test: f is irreducible iff gcd(f, x^(2^i) - x mod f) = 1 for every i up to deg(f)/2. */
export function isIrreducible(f: Pol): boolean {
  let power = 2n; // x
  for (let i = 1; i <= degree(f) / 2; i++) {
    power = mulMod(power, power, f);
    if (gcd(f, polMod(power ^ 2n, f)) !== 1n) return false;
  }
  return true;
}

/** A random irreducible polynomial of degree 53, as restic picks one when a repository is created. */
export function randomPolynomial(): Pol {
  for (let attempt = 0; attempt < 1_000_000; attempt++) {
    const f = (randomBytes(8).readBigUInt64LE() & ((1n << 54n) - 1n)) | (1n << 53n) | 1n;
    if (isIrreducible(f)) return f;
  }
  throw new AppError('internal', 'found no irreducible polynomial');
}
