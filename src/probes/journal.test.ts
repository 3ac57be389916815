import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProbeJournal, type PendingResult } from './journal.js';

const result = (seq: number, run = 'run-aaaaaaaa'): PendingResult => ({ run, seq, monitorId: 1, at: 1_000 + seq, status: 'up', message: 'HTTP 200' });
const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'upkeep-journal-'));
  dirs.push(dir);
  return join(dir, 'deeper', 'probe-eu-north.jsonl');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the probe journal', () => {
  it("is readable by the probe's account only (results carry what the checks saw)", () => {
    const path = fresh();
    const journal = new ProbeJournal(path);
    journal.load();
    journal.save([result(1)], 0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(path)).mode & 0o777).toBe(0o700);
  });

  it('gives back what was not sent, after results sent from the front and new ones written at the end', () => {
    const path = fresh();
    const journal = new ProbeJournal(path);
    expect(journal.load()).toEqual([]);
    let pending = [1, 2, 3, 4].map((n) => result(n));
    journal.save(pending, 0);
    pending = [...pending.slice(2), result(5)];
    journal.save(pending, 2);
    expect(new ProbeJournal(path).load()).toEqual([3, 4, 5].map((n) => result(n)));
  });

  it('skips a last line cut short by a crash, and lines that are not results', () => {
    const path = fresh();
    const journal = new ProbeJournal(path);
    journal.load();
    journal.save([result(1), result(2)], 0);
    appendFileSync(path, '{"run":"run-aaaaaaaa","seq":3,"monitorId":1,"at":10');
    appendFileSync(path, '\n{"hello":"world"}\n');
    expect(new ProbeJournal(path).load()).toEqual([result(1), result(2)]);
  });

  it('is emptied when everything is sent, and rewritten when what is done outnumbers what is left', () => {
    const path = fresh();
    const journal = new ProbeJournal(path);
    journal.load();
    journal.save(
      [1, 2, 3].map((n) => result(n)),
      0,
    );
    journal.save([], 3);
    expect(readFileSync(path, 'utf8')).toBe('');
    const many = Array.from({ length: 10 }, (_, i) => result(i + 1));
    journal.save(many, 0);
    // Eight dropped from the front (the cap): two left, so the file is written again with just them.
    journal.save(many.slice(8), 8);
    expect(readFileSync(path, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(new ProbeJournal(path).load()).toEqual(many.slice(8));
  });

  it('keeps the count of results the cap dropped across restarts, also once everything is sent', () => {
    const path = fresh();
    const journal = new ProbeJournal(path);
    journal.load();
    journal.save([result(1), result(2)], 0);
    journal.save([result(4)], 2, 1);
    const restarted = new ProbeJournal(path);
    expect(restarted.load()).toEqual([result(4)]);
    expect(restarted.dropped).toBe(1);
    restarted.save([], 1, 5);
    expect(readFileSync(path, 'utf8')).toBe('{"dropped":5}\n');
    const again = new ProbeJournal(path);
    expect(again.load()).toEqual([]);
    expect(again.dropped).toBe(5);
  });

  it('keeps each result’s run, so results of an earlier start are sent as that run’s', () => {
    const path = fresh();
    const journal = new ProbeJournal(path);
    journal.load();
    writeFileSync(path, `${JSON.stringify(result(7, 'earlier-run'))}\n${JSON.stringify({ done: 0 })}\n`);
    expect(new ProbeJournal(path).load()).toEqual([result(7, 'earlier-run')]);
  });
});
