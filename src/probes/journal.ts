import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { probeBatchIn, probeResultIn } from './probes.schema.js';

/** A result waiting to be sent, with the run that made it (results a restarted probe finds are sent as their own run's). */
export const pendingResult = probeResultIn.extend({ run: probeBatchIn.shape.run });
export type PendingResult = z.output<typeof pendingResult>;

const doneLine = z.object({ done: z.number().int().min(0) }).strict();
const droppedLine = z.object({ dropped: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();

/**
 * A probe's unsent results on disk, so a probe restarted (or killed) while cut off from its server loses
 * nothing it had written down: an append-only file of JSON lines, one per result, and `{"done":n}` when the
 * file's first n results were sent (or dropped by the cap). It is emptied whenever everything is sent, and
 * rewritten with only what is left when the done ones outnumber the rest, so it stays about the size of the buffer.
 * `{"dropped":n}` keeps how many results the cap has dropped, so the count a probe reports survives its
 * restarts (results lost before a restart are still lost): it stays when the file is emptied.
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
  /** Results the cap has dropped, in every run that used this file: read by `load`, written down by `save`. */
  dropped = 0;
  private droppedWritten = 0;

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
      const lost = droppedLine.safeParse(value);
      if (mark.success) done = Math.max(done, mark.data.done);
      else if (lost.success) this.dropped = Math.max(this.dropped, lost.data.dropped);
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
   * last call, `pending` is what is left, oldest first, the new ones at its end, and `dropped` the cap's count.
   */
  save(pending: readonly PendingResult[], consumed: number, dropped = this.dropped): void {
    const gone = Math.min(consumed, this.written);
    this.written -= gone;
    this.done += gone;
    this.dropped = dropped;
    if (!pending.length) {
      if (this.done || this.written || this.dropped !== this.droppedWritten) this.rewrite([]);
      return;
    }
    if (this.done > pending.length) return this.rewrite(pending);
    let text = '';
    for (const result of pending.slice(this.written)) text += `${JSON.stringify(result)}\n`;
    if (this.done !== this.doneWritten) text += `${JSON.stringify({ done: this.done })}\n`;
    if (this.dropped !== this.droppedWritten) text += droppedText(this.dropped);
    if (text) appendFileSync(this.path, text, { mode: 0o600 });
    this.written = pending.length;
    this.doneWritten = this.done;
    this.droppedWritten = this.dropped;
  }

  /** Replaces the file with `pending` and the dropped count alone (a new file renamed over the old: a crash leaves one or the other). */
  private rewrite(pending: readonly PendingResult[]): void {
    const fresh = `${this.path}.new`;
    writeFileSync(fresh, (this.dropped ? droppedText(this.dropped) : '') + pending.map((r) => `${JSON.stringify(r)}\n`).join(''), { mode: 0o600 });
    renameSync(fresh, this.path);
    this.written = pending.length;
    this.done = this.doneWritten = 0;
    this.droppedWritten = this.dropped;
  }
}

const droppedText = (dropped: number) => `${JSON.stringify({ dropped })}\n`;

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return undefined;
  }
}
