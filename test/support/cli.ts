import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const entry = ['--import', 'tsx', 'src/cli/main.ts'];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `upkeep` CLI in a child process (from source, through tsx). */
export function runCli(args: string[], options: { env?: Record<string, string | undefined>; input?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: options.cwd ?? projectRoot,
      env: { ...cleanEnv(), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** The parent's environment without the Upkeep variables a developer may have set. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('UPKEEP_')) delete env[key];
  return { ...env, UPKEEP_LOG_FORMAT: 'json' };
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves with the exit code (or signal) when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `upkeep start` on a free port and waits until it says where it listens. */
export async function startServerProcess(args: string[], env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  const spawned = spawnServerProcess(args, env);
  return { ...spawned, url: await spawned.ready };
}

/** Starts `upkeep start` on a free port; `ready` resolves with its URL once it listens (a crash test may kill it before). */
export function spawnServerProcess(
  args: string[],
  env: Record<string, string | undefined> = {},
  /** Options for node itself (`--cpu-prof` is not allowed in NODE_OPTIONS). */
  nodeArgs: readonly string[] = [],
): Omit<ServerProcess, 'url'> & { ready: Promise<string> } {
  const child = spawn(process.execPath, [...nodeArgs, ...entry, 'start', '--port', '0', ...args], {
    cwd: projectRoot,
    env: { ...cleanEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<string>((resolve, reject) => {
    // A loaded machine (tsx compiling the sources while other suites run) can take a minute or more.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 120 s:\n${out}`));
    }, 120_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (match && out.includes('Upkeep is running')) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code ?? signal} before starting:\n${out}`));
    });
  });
  // A caller that kills the process before it starts need not wait for `ready`.
  ready.catch(() => undefined);
  return { child, output: () => out, exited, ready };
}
