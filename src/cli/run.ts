import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Core } from '../app.js';
import { readEnvironment, type Environment } from '../config/env.js';
import type { LoadedConfig } from '../config/load.js';
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../config/duration.js';
import { exitCodeOf, isAppError } from '../lib/errors.js';
import { silentLogger } from '../lib/logger.js';

export const DEFAULT_CONFIG = './upkeep.yaml';
export const DEFAULT_DATA_DIR = './data';

/**
 * Runs a command's action and turns what it throws into one human line on stderr and an exit code:
 * 0 done, 1 the operation failed, 2 the input or config is wrong.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      const code = await fn(...args);
      process.exitCode = code ?? 0;
    } catch (err) {
      process.exitCode = report(err);
    }
  };
}

export function report(err: unknown): number {
  if (isAppError(err)) {
    process.stderr.write(`upkeep: ${err.details.length > 1 ? `${err.details.length} problems:` : err.message}\n`);
    if (err.details.length > 1) for (const d of err.details) process.stderr.write(`  ${d.path ? `${d.path}: ` : ''}${d.message}\n`);
    return exitCodeOf[err.code];
  }
  process.stderr.write(`upkeep: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
  if (process.env.UPKEEP_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
  else process.stderr.write('  (this is a bug; run again with UPKEEP_DEBUG=1 to see where it happened)\n');
  return 1;
}

/**
 * Reads the config file. The default ./upkeep.yaml may be missing (then there is nothing to apply);
 * a file named with --config must exist.
 */
export async function readConfigOption(file: string | undefined, env: Environment, required: boolean): Promise<LoadedConfig | undefined> {
  const path = file ?? DEFAULT_CONFIG;
  if (file === undefined && !required && !existsSync(resolve(path))) return undefined;
  const { loadConfigFile } = await import('../config-file.js');
  return loadConfigFile(path, env.vars);
}

/** Opens the database quietly for a one-shot command, runs `fn`, and always closes it. */
export async function withCore<T>(dataDir: string, fn: (core: Core) => Promise<T>): Promise<T> {
  const { openCore } = await import('../app.js');
  const core = await openCore({ dataDir, env: readEnvironment(), logger: silentLogger() });
  try {
    return await fn(core);
  } finally {
    await core.close();
  }
}

/** Option value parsers: commander prints their message as `error: option '--port <n>' argument '…' is invalid. …`. */
export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535.');
  return port;
}

export function parseDurationOption(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration like "30s", "5m" or "90d".');
  return ms;
}
