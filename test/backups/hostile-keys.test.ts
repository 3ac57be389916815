import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backups/backends/local.js';
import { sha256Hex } from '../../src/backups/crypto.js';
import { Repository } from '../../src/backups/repository/repository.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';

const password = 'correct horse battery staple';
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-keys-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** A repository made by restic itself, whose only key file is then rewritten with other scrypt parameters. */
async function resticRepoWithKey(name: string, params: { N: number; r: number; p: number } | undefined): Promise<string> {
  const path = join(work, name);
  restic(path, password, ['init']);
  if (params) {
    const [file] = await readdir(join(path, 'keys'));
    const key = JSON.parse(await readFile(join(path, 'keys', file!), 'utf8')) as Record<string, unknown>;
    const bytes = Buffer.from(JSON.stringify({ ...key, ...params }));
    await rm(join(path, 'keys', file!));
    await writeFile(join(path, 'keys', sha256Hex(bytes)), bytes);
  }
  return path;
}

describeWhen(resticReady, resticNeeds, 'key files with hostile scrypt parameters', () => {
  it("opens restic's own key files (calibrated by restic init)", async () => {
    const path = await resticRepoWithKey('calibrated', undefined);
    const repo = await Repository.open(new LocalBackend({ kind: 'local', path }), password);
    expect(repo.backend.location).toBe(path);
  });

  it.each([
    // 512 GiB of memory: the server would die trying.
    [{ N: 2 ** 20, r: 4096, p: 1 }, /scrypt N=1048576, r=4096 needs 524288 MiB of memory, more than the 256 MiB Upkeep allows/],
    // Little memory, but 256 rounds of 16 MiB each: many seconds of CPU for every try.
    [{ N: 2 ** 14, r: 8, p: 256 }, /scrypt N=16384, r=8, p=256 costs N·r·p = 33554432, more than the 16777216 Upkeep allows/],
    [{ N: 1000, r: 8, p: 1 }, /scrypt N=1000, r=8, p=1 are not valid parameters/],
  ])('refuses a key file asking scrypt for %o, with an error naming the parameters and the cap', async (params, message) => {
    const path = await resticRepoWithKey(`hostile-${params.N}-${params.r}-${params.p}`, params);
    const opened = Repository.open(new LocalBackend({ kind: 'local', path }), password);
    await expect(opened).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(message) as unknown });
    await expect(opened).rejects.toThrow(/^no key of repository .* opened with this password, and Upkeep refused to try one \(key [0-9a-f]{8}: /);
  });
});
