import type { z } from 'zod';
import { AppError } from '../lib/errors.js';
import { formatPath } from './messages.js';

/**
 * Validates an API body (or any input that is not the config file) with a config schema; a failure is
 * an `invalid_input` AppError whose details name each field: `interval: expected a duration like "30s"…`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
  const first = details[0]!;
  return fail(first.path ? `${first.path}: ${first.message}` : first.message, details);
}

function fail(message: string, details: { path: string; message: string }[]): never {
  throw new AppError('invalid_input', message, { details });
}
