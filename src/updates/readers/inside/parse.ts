import type { z } from 'zod';
import { AppError } from '../../../lib/errors.js';

/** Parses a file's JSON against the parts a reader uses; anything else is named in a clear error. */
export function parseJsonFile<T extends z.ZodType>(path: string, content: string, schema: T, what: string): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(content);
  } catch (err) {
    throw new AppError('invalid_input', `${path} is not JSON, so not a ${what}: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError('invalid_input', `${path} is not a ${what}: ${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'unexpected shape'}`);
  }
  return parsed.data;
}

export const basename = (path: string) => path.split('/').at(-1) ?? path;
