import { appendFileSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { probeBatchIn, probeResultIn } from './probes.schema.js';

/** A result waiting to be sent, with the run that made it (results a restarted probe finds are sent as their own run's). */
export const pendingResult = probeResultIn.extend({ run: probeBatchIn.shape.run });
export type PendingResult = z.output<typeof pendingResult>;

const doneLine = z.object({ done: z.number().int().min(0) }).strict();

/**
 * A probe's unsent results on disk, so a probe restarted (or killed) while cut off from its server loses
 * nothing it had written down: an append-only file of JSON lines, one per result, and `{"done":n}` when the
 * file's first n results were sent (or dropped by the cap). It is emptied whenever everything is sent, and
 * rewritten with only what is left when the done ones outnumber the rest, so it stays about the size of the buffer.
 * Readable by the probe's account only, like the server's database: results carry what the checks saw.
 *
 * @example const journal = new ProbeJournal('data/probe-eu-north.jsonl'); const left = journal.load();
 */
export class ProbeJournal {
  /** How many of the pending results (oldest first) are in the file. */
  private written = 0;
  /** Results at the start of the file that are sent or dropped, and that count as last written down. */
  private done = 0;
  private doneWritten = 0;

  constructor(readonly path: string) {}

  /** What a previous run left unsent, oldest first (a line cut short by a crash is skipped); the file then holds just that. */
  load(): PendingResult[] {
    mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const results: PendingResult[] = [];
    let done = 0;
    for (const line of text.split('\n')) {
      const value = parseLine(line);
      const mark = doneLine.safeParse(value);
      if (mark.success) done = Math.max(done, mark.data.done);
      else {
        const result = pendingResult.safeParse(value);
        if (result.success) results.push(result.data);
      }
    }
    const left = results.slice(done);
    this.rewrite(left);
    return left;
  }

  /**
   * Writes down what changed: `consumed` results left the front of the buffer (sent or dropped) since the
   * last call, and `pending` is what is left, oldest first, the new ones at its end.
   */
  save(pending: readonly PendingResult[], consumed: number): void {
    const gone = Math.min(consumed, this.written);
    this.written -= gone;
    this.done += gone;
    if (!pending.length) {
      if (this.done || this.written) truncateSync(this.path);
      this.written = this.done = this.doneWritten = 0;
      return;
    }
    if (this.done > pending.length) return this.rewrite(pending);
    let text = '';
    for (const result of pending.slice(this.written)) text += `${JSON.stringify(result)}\n`;
    if (this.done !== this.doneWritten) text += `${JSON.stringify({ done: this.done })}\n`;
    if (text) appendFileSync(this.path, text, { mode: 0o600 });
    this.written = pending.length;
    this.doneWritten = this.done;
  }

  /** Replaces the file with `pending` alone (a new file renamed over the old: a crash leaves one or the other). */
  private rewrite(pending: readonly PendingResult[]): void {
    const fresh = `${this.path}.new`;
    writeFileSync(fresh, pending.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    renameSync(fresh, this.path);
    this.written = pending.length;
    this.done = this.doneWritten = 0;
  }
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
