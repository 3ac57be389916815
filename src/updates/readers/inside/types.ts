import type { Observed } from '../../component.js';

/** One file as a later stage reads it over SSH (or a test writes it): its path and its text. */
export interface FileInput {
  path: string;
  content: string;
}

/**
 * A reader of files inside a site. `paths` are what the SSH stage looks for, relative to the
 * site's root unless absolute (`*` is one path segment); `accepts` tells which read files are its.
 */
export interface InsideReader {
  paths: readonly string[];
  /** How much of each file the reader needs: headers are read from the start (WordPress reads 8 KiB), lock files whole. */
  maxBytes: number;
  accepts(path: string): boolean;
  read(file: FileInput): Observed[];
}
