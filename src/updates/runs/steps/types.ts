import type { z } from 'zod';
import type { SshConnection } from '../../../backups/sftp-connection.js';

/** What an update step gets: the open connection, the site's folder, and a guarded download. */
export interface StepContext {
  ssh: SshConnection;
  root: string;
  timeoutMs: number;
  /** Downloads a release through the guarded client; fails with a clear error on any status but 200. */
  download(url: string): Promise<Buffer>;
  /** WordPress.org's download server, or its stand-in. */
  wordpressDownloads: string;
}

/** A step's result; its output is kept with the run (capped). A failed step is a result, never a throw. */
export interface StepOutcome {
  ok: boolean;
  output: string;
}

/**
 * One kind of update step: a zod schema of its settings and how it runs over SSH.
 *
 * @example stepKinds.get('wp-cli').behaviour.run({ kind: 'wp-cli', target: 'plugin', name: 'akismet' }, ctx)
 */
export interface StepType<S extends z.ZodType> {
  schema: S;
  /** One line for plans and the run's record: "wp plugin update akismet". */
  describe(step: z.output<S>): string;
  /** The command that tells whether the tool the step needs is there (`wp --version`), when it needs one. */
  requires?: readonly string[];
  run(step: z.output<S>, ctx: StepContext): Promise<StepOutcome>;
}
