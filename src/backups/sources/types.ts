import type { z } from 'zod';
import type { SourceFs } from '../archive/source-fs.js';

/** What a source hands to the snapshot writer: folders to walk, or one stream to store as a file. */
export type SourceInput =
  | { kind: 'paths'; fs: SourceFs; paths: string[]; close(): Promise<void> }
  | {
      kind: 'stream';
      filename: string;
      stream: AsyncIterable<Uint8Array>;
      /** Database sources: row count of every table as the dump began, recorded so a drill can compare. */
      rowCounts?: Record<string, number>;
      close(): Promise<void>;
    };

/** How a stored dump goes back into a database: into the configured one, or into a scratch one for a drill. */
export interface DumpTarget {
  /** Loads the dump into a database and returns the row count of every table there. */
  load(dump: AsyncIterable<Uint8Array>): Promise<Record<string, number>>;
}

/**
 * A backup source: data (a zod schema for its config) plus behaviour, registered in an exhaustive map.
 *
 * @example sourceKinds.get('sqlite').behaviour.open({ kind: 'sqlite', path: '/srv/app.db' })
 */
export interface SourceType<S extends z.ZodType> {
  kind: z.infer<S> extends { kind: infer K } ? K : never;
  configSchema: S;
  open(config: z.infer<S>): Promise<SourceInput>;
  /** A scratch database to load a dump into during a drill, dropped by `dispose`. */
  scratch?(config: z.infer<S>): Promise<DumpTarget & { dispose(): Promise<void> }>;
  /** The configured database itself, emptied first, to load a dump into: a restore in place (an update run's rollback). */
  replace?(config: z.infer<S>): Promise<DumpTarget>;
}
