import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { AppError } from '../../lib/errors.js';
import type { Backend } from '../backends/types.js';
import { deriveUserKey, open, seal, sha256Hex, type MasterKey, type ScryptParams } from '../crypto.js';
import type { KeyFileJson, MasterKeyJson } from './format.js';

/** scrypt cost: about a tenth of a second here, within restic's calibrated range. */
const defaultParams = { N: 32768, r: 8, p: 1 } as const;
/** restic gives up after this many key files too; each try costs one scrypt run. */
const maxKeysTried = 20;
/**
 * The most a key file may ask of scrypt. restic calibrates its parameters to about 0.5 s within 60 MiB
 * (128·N·r bytes), so 256 MiB and N·r·p up to 2^24 (p = 64 at restic's usual N = 2^15, r = 8; a few
 * seconds) leave a wide margin, while a repository (a hostile server, a tampered bucket) cannot make
 * opening it take all memory or hours.
 */
const maxScryptMemory = 256 * 1024 * 1024;
const maxScryptWork = 2 ** 24;

/** Why scrypt parameters are refused, or undefined when they are within the caps. */
export function scryptRefusal({ N, r, p }: { N: unknown; r: unknown; p: unknown }): string | undefined {
  const whole = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
  if (!whole(N) || !whole(r) || !whole(p) || N < 2 || (N & (N - 1)) !== 0)
    return `scrypt N=${String(N)}, r=${String(r)}, p=${String(p)} are not valid parameters`;
  const memory = 128 * N * r;
  if (memory > maxScryptMemory)
    return `scrypt N=${N}, r=${r} needs ${Math.round(memory / 1024 / 1024)} MiB of memory, more than the ${maxScryptMemory / 1024 / 1024} MiB Upkeep allows`;
  if (N * r * p > maxScryptWork) return `scrypt N=${N}, r=${r}, p=${p} costs N·r·p = ${N * r * p}, more than the ${maxScryptWork} Upkeep allows`;
  return undefined;
}

/** Wraps the master key with a key derived from `password` and stores it as a new file under `keys/`. */
export async function addKey(backend: Backend, password: string, master: MasterKey): Promise<string> {
  const params: ScryptParams = { ...defaultParams, salt: randomBytes(64) };
  const userKey = await deriveUserKey(password, params);
  const masterJson: MasterKeyJson = {
    mac: { k: master.macK.toString('base64'), r: master.macR.toString('base64') },
    encrypt: master.encrypt.toString('base64'),
  };
  const file: KeyFileJson = {
    created: new Date().toISOString(),
    username: userInfo().username,
    hostname: hostname(),
    kdf: 'scrypt',
    N: params.N,
    r: params.r,
    p: params.p,
    salt: params.salt.toString('base64'),
    data: seal(userKey, Buffer.from(JSON.stringify(masterJson))).toString('base64'),
  };
  const bytes = Buffer.from(JSON.stringify(file));
  const id = sha256Hex(bytes);
  await backend.save({ type: 'keys', name: id }, bytes);
  return id;
}

/** Finds the key file that `password` opens and returns the repository's master key. */
export async function openMasterKey(backend: Backend, password: string): Promise<MasterKey> {
  const keys = (await backend.list('keys')).slice(0, maxKeysTried);
  const refused: string[] = [];
  for (const { name } of keys) {
    const file = JSON.parse((await backend.load({ type: 'keys', name })).toString('utf8')) as KeyFileJson;
    if (file.kdf !== 'scrypt') continue;
    const refusal = scryptRefusal(file);
    if (refusal) {
      refused.push(`key ${name.slice(0, 8)}: ${refusal}`);
      continue;
    }
    const userKey = await deriveUserKey(password, { N: file.N, r: file.r, p: file.p, salt: Buffer.from(file.salt, 'base64') });
    let plain: Buffer;
    try {
      plain = open(userKey, Buffer.from(file.data, 'base64'));
    } catch {
      continue;
    }
    const json = JSON.parse(plain.toString('utf8')) as MasterKeyJson;
    return { encrypt: Buffer.from(json.encrypt, 'base64'), macK: Buffer.from(json.mac.k, 'base64'), macR: Buffer.from(json.mac.r, 'base64') };
  }
  if (refused.length)
    throw new AppError(
      'unavailable',
      `no key of repository ${backend.location} opened with this password, and Upkeep refused to try ${refused.length === 1 ? 'one' : refused.length} (${refused.join('; ')})`,
    );
  throw new AppError(
    'unauthorized',
    keys.length === 0 ? `no key files in repository ${backend.location}` : `wrong password for repository ${backend.location}`,
  );
}
