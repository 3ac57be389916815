import { readFileSync } from 'node:fs';
import { AppError } from '../lib/errors.js';

/** The PEM text of `network.caFiles`, read once at start; a missing file is a config error naming it. */
export function readCaFiles(files: readonly string[] | undefined): string[] | undefined {
  return files?.map((file) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new AppError('invalid_config', `network.caFiles: cannot read ${file}: ${(err as Error).message}`, { cause: err });
    }
  });
}
