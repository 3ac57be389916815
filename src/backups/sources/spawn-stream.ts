import { spawn } from 'node:child_process';
import { AppError } from '../../lib/errors.js';

/**
 * Streams a command's standard output. When the output ends the exit status is awaited, and a
 * failing command throws from inside the stream, so the snapshot that consumes it is never saved.
 */
export async function* commandOutput(argv: readonly string[], env: Record<string, string> = {}): AsyncGenerator<Uint8Array> {
  const [command, ...args] = argv;
  if (!command) throw new AppError('invalid_config', 'a command needs at least a program name');
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4000) stderr += chunk.toString('utf8');
  });
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  try {
    yield* child.stdout;
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  const code = await exit.catch((err: unknown) => {
    throw new AppError('unavailable', `${command} could not start: ${String(err)}`, { cause: err });
  });
  if (code !== 0) throw new AppError('unavailable', `${command} failed with exit code ${String(code)}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
}

/** Feeds a stream into a command's standard input and fails when the command fails. */
export async function commandInput(argv: readonly string[], input: AsyncIterable<Uint8Array>, env: Record<string, string> = {}): Promise<string> {
  const [command, ...args] = argv;
  if (!command) throw new AppError('invalid_config', 'a command needs at least a program name');
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  child.stdin.on('error', () => undefined);
  for await (const chunk of input) {
    if (!child.stdin.write(chunk)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  }
  child.stdin.end();
  const code = await exit;
  if (code !== 0) throw new AppError('unavailable', `${command} failed with exit code ${String(code)}: ${output.trim().split('\n').slice(-3).join(' / ')}`);
  return output;
}
