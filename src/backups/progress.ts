/** What a long backup or restore reports while it runs; the CLI renders it, the scheduler may log it. */
export interface Progress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  /** Average since the start, in bytes per second. */
  bytesPerSecond: number;
  /** Seconds left at the current average; undefined until something was done. */
  etaSeconds: number | undefined;
  elapsedMs: number;
}

export type ProgressListener = (progress: Progress) => void;

/**
 * Counts work and calls the listener at most every `intervalMs`, plus once at the end, so a fast
 * loop over small files does not flood a terminal.
 *
 * @example const tracker = new ProgressTracker((p) => bar.update(p.bytesDone))
 */
export class ProgressTracker {
  private readonly started = Date.now();
  private lastReport = 0;
  private state = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly intervalMs = 250,
  ) {}

  addTotal(files: number, bytes: number): void {
    this.state.filesTotal += files;
    this.state.bytesTotal += bytes;
  }

  addBytes(bytes: number): void {
    this.state.bytesDone += bytes;
    this.maybeReport();
  }

  fileDone(): void {
    this.state.filesDone += 1;
    this.maybeReport();
  }

  snapshot(): Progress {
    const elapsedMs = Date.now() - this.started;
    const bytesPerSecond = elapsedMs > 0 ? (this.state.bytesDone * 1000) / elapsedMs : 0;
    const left = Math.max(0, this.state.bytesTotal - this.state.bytesDone);
    return { ...this.state, bytesPerSecond, etaSeconds: bytesPerSecond > 0 ? left / bytesPerSecond : undefined, elapsedMs };
  }

  finish(): Progress {
    const final = this.snapshot();
    this.listener?.(final);
    return final;
  }

  private maybeReport(): void {
    if (!this.listener) return;
    const now = Date.now();
    if (now - this.lastReport < this.intervalMs) return;
    this.lastReport = now;
    this.listener(this.snapshot());
  }
}
