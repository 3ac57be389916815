/**
 * The one error family of Upkeep. Services throw `AppError`; the HTTP layer maps `code` to a status,
 * the CLI maps it to an exit code and prints `message` as one line. Anything else that escapes is a bug:
 * it is logged with its stack and answered as `internal` without details.
 *
 * @example throw new AppError('not_found', `site ${id} does not exist`)
 */
export const errorCodes = [
  'invalid_input',
  'invalid_config',
  'unauthorized',
  'forbidden',
  'not_found',
  'method_not_allowed',
  'conflict',
  'rate_limited',
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface ErrorDetail {
  /** Where the problem is: a field path like `sites[0].monitors[1].interval`, or `file:line:column path`. */
  path?: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: readonly ErrorDetail[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? [];
  }
}

export const httpStatusOf: Record<ErrorCode, number> = {
  invalid_input: 400,
  invalid_config: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** CLI exit codes: 1 = the operation ran and failed, 2 = what was asked is wrong (input or config). */
export const exitCodeOf: Record<ErrorCode, number> = {
  invalid_input: 2,
  invalid_config: 2,
  unauthorized: 1,
  forbidden: 1,
  not_found: 1,
  method_not_allowed: 1,
  conflict: 1,
  rate_limited: 1,
  unavailable: 1,
  internal: 1,
};

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** A short human description of any thrown value, for logs and one-line CLI messages. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
