import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listSnapshots } from '../../src/backups/repository/snapshots.js';
import { applyRetention, type RetentionPolicy } from '../../src/backups/retention.js';
import { openRepo, password } from './support/repo.js';
import { restic, resticNeeds, resticReady } from './support/restic.js';
import { describeWhen } from './support/tools.js';

let work: string;
let path: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'upkeep-retention-'));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Snapshot times spread over two years, several per day on some days, as a scheduler would leave them. */
const times = [
  '2023-03-14 09:00:00',
  '2023-11-02 23:30:00',
  '2024-01-01 00:15:00',
  '2024-01-28 12:00:00',
  '2024-02-05 08:00:00',
  '2024-02-05 20:00:00',
  '2024-02-06 08:00:00',
  '2024-02-10 08:00:00',
  '2024-02-11 08:00:00',
  '2024-02-12 07:59:00',
  '2024-02-12 08:01:00',
  '2024-02-12 08:45:00',
  '2024-02-12 09:05:00',
  '2024-02-13 01:00:00',
  '2024-02-13 01:30:00',
];

const policies: [RetentionPolicy, string[]][] = [
  [{ keepLast: 3 }, ['--keep-last', '3']],
  [{ keepHourly: 4 }, ['--keep-hourly', '4']],
  [{ keepDaily: 5, keepWeekly: 3 }, ['--keep-daily', '5', '--keep-weekly', '3']],
  [{ keepMonthly: 4, keepYearly: 3 }, ['--keep-monthly', '4', '--keep-yearly', '3']],
  [{ keepWithin: 3 * 86_400_000, keepLast: 1 }, ['--keep-within', '3d', '--keep-last', '1']],
];

describeWhen(resticReady, resticNeeds, 'retention matches restic forget', () => {
  beforeAll(async () => {
    path = join(work, 'repo');
    const source = join(work, 'data');
    await mkdir(source);
    await writeFile(join(source, 'a.txt'), 'a');
    restic(path, password, ['init']);
    for (const time of times) restic(path, password, ['backup', '--time', time, '--host', 'web1', source]);
  }, 120_000);

  it.each(policies)('keeps the same snapshots as restic for %j', async (policy, flags) => {
    const groups = JSON.parse(restic(path, password, ['forget', '--dry-run', '--json', ...flags])) as { keep: { id: string }[] | null }[];
    const expected = groups.flatMap((g) => (g.keep ?? []).map((s) => s.id)).sort();
    const ours = applyRetention(await listSnapshots(await openRepo(path)), policy)
      .flatMap((g) => g.keep.map((k) => k.snapshot.id))
      .sort();
    expect(ours).toEqual(expected);
    expect(ours.length).toBeLessThan(times.length);
  });
});
