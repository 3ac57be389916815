import { SingleBar } from 'cli-progress';
import type { Progress, ProgressListener } from '../backups/progress.js';

/** 1536 → "1.5 KiB": binary units, as restic prints them. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** 3725 → "1h 2m 5s"; unknown while nothing has been done yet. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'unknown';
  const s = Math.round(seconds);
  const parts = [Math.floor(s / 3600) && `${Math.floor(s / 3600)}h`, Math.floor((s % 3600) / 60) && `${Math.floor((s % 3600) / 60)}m`, `${s % 60}s`];
  return parts.filter(Boolean).join(' ');
}

/** One line of progress: bytes, files, throughput and time left. */
export function describeProgress(p: Progress): string {
  const share = p.bytesTotal > 0 ? ` (${Math.floor((p.bytesDone / p.bytesTotal) * 100)}%)` : '';
  // The first fraction of a second says nothing about the rate.
  const eta = p.elapsedMs < 1_000 ? undefined : p.etaSeconds;
  return `${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)}${share}, ${p.filesDone}/${p.filesTotal} files, ${formatBytes(p.bytesPerSecond)}/s, ETA ${formatEta(eta)}`;
}

/** A line every this often when the output is a log, not a terminal: enough to see it move, not a flood. */
const logEveryMs = 10_000;

/**
 * Progress of a long backup or restore on standard error: a live bar on a terminal, a plain line
 * every 10 s otherwise (CI logs, cron mail). Standard output keeps only the result.
 *
 * @example const progress = cliProgress('backup'); await work(new ProgressTracker(progress.listener)); progress.stop()
 */
export function cliProgress(what: string, stream: NodeJS.WriteStream = process.stderr): { listener: ProgressListener; stop(): void } {
  if (!stream.isTTY) {
    let last = Date.now();
    const listener = (p: Progress) => {
      if (Date.now() - last < logEveryMs) return;
      last = Date.now();
      stream.write(`${what}: ${describeProgress(p)}\n`);
    };
    return { listener, stop: () => undefined };
  }
  const bar = new SingleBar({ format: `${what} {bar} {line}`, stream, hideCursor: true, clearOnComplete: true });
  let started = false;
  const listener = (p: Progress) => {
    if (!started) bar.start(p.bytesTotal, 0, { line: '' });
    started = true;
    bar.setTotal(Math.max(p.bytesTotal, 1));
    bar.update(p.bytesDone, { line: describeProgress(p) });
  };
  return { listener, stop: () => started && bar.stop() };
}
