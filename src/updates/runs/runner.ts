import { join } from 'node:path';
import { runBackup } from '../../backups/backup.service.js';
import type { BackupJobConfig } from '../../backups/config.js';
import { restoreInPlace } from '../../backups/restore-in-place.js';
import { openSsh, type SshConnection } from '../../backups/sftp-connection.js';
import { createAuditNet } from '../../audits/net.js';
import { AppError, describeError } from '../../lib/errors.js';
import { connectionOf } from '../ssh/target.js';
import { capturePages } from './capture.js';
import type { UpdateEvent } from './events.js';
import { checkMonitors } from './monitors.js';
import type { RunContext, RunState } from './run-state.js';
import { describeStep, runStep } from './steps/index.js';
import { inSite } from './steps/commands.js';
import { baselineProblems, judge, type Captured } from './verify.js';

/**
 * The state machine of one run. Each phase does its work, then records the next phase (and the
 * events it causes) before anything else happens, so a run cut short by a restart resumes at the
 * phase it was in: phases before the first update step and after the last one are repeated; a run
 * stopped during an update step is rolled back, since nobody knows how far that step got.
 */
export type Phase = 'open_window' | 'backup' | 'capture' | 'update' | 'verify' | 'rollback' | 'verify_rollback' | 'close' | 'done';

type Next = { phase: Phase; events?: UpdateEvent[]; reason?: string };

export async function drive(ctx: RunContext): Promise<void> {
  while (ctx.run.phase !== 'done') {
    ctx.checkLease();
    const next = await phases[ctx.run.phase](ctx);
    await ctx.advance(next.phase, next.events ?? [], next.reason);
  }
}

/** Where a run that was cut short goes on: a step in progress means the site may be half-updated. */
export function resumePhase(phase: Phase, state: RunState): { phase: Phase; reason?: string } {
  if (phase === 'update' && state.stepStarted !== undefined && state.stepStarted >= state.stepIndex) {
    state.outcome = 'rolled_back';
    return {
      phase: 'rollback',
      reason: `Upkeep stopped during update step ${state.stepStarted + 1}; the site is rolled back, since that step may be half done`,
    };
  }
  return { phase };
}

const captureNow = async (ctx: RunContext, label: string): Promise<Captured> => {
  const net = createAuditNet({ allowPrivate: ctx.deps.allowPrivate, ca: ctx.deps.ca });
  const pages = await capturePages(ctx.spec.pages, { net, audits: ctx.deps.audits, dir: ctx.dir, label });
  const monitors = await checkMonitors(ctx.monitors(), { allowPrivate: ctx.deps.allowPrivate, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
  return { pages, monitors };
};

/** The run ends without having changed the site. */
const abort = (ctx: RunContext, reason: string): Next => {
  ctx.state.outcome = 'failed';
  return { phase: 'close', reason };
};

async function withSsh<T>(ctx: RunContext, work: (ssh: SshConnection) => Promise<T>): Promise<T> {
  const ssh = await openSsh(connectionOf(ctx.spec.ssh));
  try {
    return await work(ssh);
  } finally {
    await ssh.close();
  }
}

/** A logged step that captures the pages and monitors again and judges them against the capture before the update. */
const compareWithBefore = (ctx: RunContext, label: string, title: string, okText: string) =>
  ctx.step('verify', title, async () => {
    const v = await judge(ctx.state.before!, await captureNow(ctx, label), ctx.spec, ctx.dir, label);
    return { ok: v.ok, output: v.ok ? okText : v.problems.join('\n'), value: v };
  });

const phases: Record<Exclude<Phase, 'done'>, (ctx: RunContext) => Promise<Next>> = {
  async open_window(ctx) {
    await ctx.openWindow();
    return { phase: 'backup', events: ['update.started'] };
  },

  async backup(ctx) {
    const jobs: BackupJobConfig[] = ctx.jobs();
    ctx.state.backups = [];
    for (const job of jobs) {
      const result = await ctx.step('backup', `back up ${job.name} (${job.source.kind})`, async () => {
        const r = await runBackup(job, ctx.repository(job), { log: ctx.deps.log });
        return { ok: r.ok, output: r.message, value: r.stats?.snapshotId };
      });
      if (!result.ok || !result.value) return abort(ctx, `the backup ${job.name} failed, so nothing was updated: ${result.output}`);
      ctx.state.backups.push({ job: job.name, snapshotId: result.value });
    }
    return { phase: 'capture' };
  },

  async capture(ctx) {
    const before = await ctx.step('capture', `capture ${ctx.spec.pages.length} pages and check the monitors`, async () => {
      const captured = await captureNow(ctx, 'before');
      const problems = baselineProblems(captured);
      return { ok: problems.length === 0, output: problems.length ? problems.join('\n') : 'all pages and monitors pass', value: captured };
    });
    if (!before.value) return abort(ctx, `the pages could not be captured: ${before.output}`);
    if (!before.ok) return abort(ctx, `the site fails its checks before any update, so nothing was updated: ${before.output}`);
    ctx.state.before = before.value;
    ctx.state.stepIndex = 0;
    return { phase: 'update' };
  },

  async update(ctx) {
    const download = async (url: string) => {
      const res = await createAuditNet({ allowPrivate: ctx.deps.allowPrivate, ca: ctx.deps.ca }).fetch(url, {
        maxBodyBytes: 128 * 1024 * 1024,
        deadlineMs: 300_000,
      });
      if (res.status !== 200) throw new AppError('unavailable', `${url} answered ${res.status}`);
      if (res.bodyTruncated) throw new AppError('invalid_input', `${url} is larger than 128 MiB`);
      return res.body;
    };
    return withSsh(ctx, async (ssh) => {
      const stepCtx = { ssh, root: ctx.spec.ssh.root, timeoutMs: ctx.spec.stepTimeout, download, wordpressDownloads: ctx.spec.wordpressDownloads };
      for (let i = ctx.state.stepIndex; i < ctx.spec.steps.length; i++) {
        const step = ctx.spec.steps[i]!;
        ctx.state.stepStarted = i;
        await ctx.advance('update', []);
        const outcome = await ctx.step(`update:${step.kind}`, describeStep(step), async () => ({ ...(await runStep(step, stepCtx)), value: true }));
        if (!outcome.ok) {
          ctx.state.outcome = 'rolled_back';
          return { phase: 'rollback', events: ['update.failed'], reason: `update step ${i + 1} (${describeStep(step)}) failed` };
        }
        ctx.state.stepIndex = i + 1;
      }
      return { phase: 'verify' };
    });
  },

  async verify(ctx) {
    const verdict = await compareWithBefore(ctx, 'after', 'verify the pages, smoke checks and monitors', 'the site looks and works as before');
    if (verdict.value) ctx.state.after = verdict.value;
    if (verdict.ok) {
      ctx.state.outcome = 'succeeded';
      return { phase: 'close' };
    }
    ctx.state.outcome = 'rolled_back';
    return { phase: 'rollback', events: ['update.failed'], reason: `verification failed: ${verdict.output.split('\n')[0]!}` };
  },

  async rollback(ctx) {
    const rollback = ctx.spec.rollback;
    const done = await ctx.step(
      'rollback',
      rollback.kind === 'backup' ? 'restore the backups taken at the start' : `run the rollback command: ${rollback.command}`,
      async () => {
        if (rollback.kind === 'command')
          return {
            ...(await withSsh(ctx, (ssh) =>
              inSite(
                {
                  ssh,
                  root: ctx.spec.ssh.root,
                  timeoutMs: ctx.spec.stepTimeout,
                  download: () => Promise.reject(new Error('no downloads')),
                  wordpressDownloads: '',
                },
                rollback.command,
              ),
            )),
            value: true,
          };
        const lines: string[] = [];
        for (const b of ctx.state.backups) {
          const job = ctx.jobs().find((j) => j.name === b.job);
          if (!job) throw new AppError('invalid_config', `backup job ${b.job} is no longer in the config`);
          const s = await restoreInPlace(job, ctx.repository(job), b.snapshotId, { log: ctx.deps.log });
          lines.push(
            `${b.job}: snapshot ${b.snapshotId.slice(0, 8)} restored in place: ${s.written} written, ${s.removed} removed, ${s.verified} files (${s.bytesVerified} bytes) verified` +
              (s.rowCounts ? `, ${Object.keys(s.rowCounts).length} tables with the row counts of the backup` : ''),
          );
        }
        return { ok: true, output: lines.join('\n'), value: true };
      },
    );
    if (!done.ok) {
      ctx.state.outcome = 'rollback_failed';
      return { phase: 'close', reason: `${ctx.run.reason ?? 'the update failed'}; then the rollback failed: ${done.output.split('\n')[0]!}` };
    }
    return { phase: 'verify_rollback' };
  },

  async verify_rollback(ctx) {
    const verdict = await compareWithBefore(ctx, 'rollback', 'verify the site after the rollback', 'the site looks and works as before the update');
    if (verdict.value) ctx.state.afterRollback = verdict.value;
    if (verdict.ok) return { phase: 'close' };
    ctx.state.outcome = 'rollback_failed';
    return { phase: 'close', reason: `${ctx.run.reason ?? 'the update failed'}; after the rollback the site still fails: ${verdict.output.split('\n')[0]!}` };
  },

  async close(ctx) {
    await ctx.closeWindow();
    const outcome = ctx.state.outcome ?? 'failed';
    if (outcome === 'rollback_failed') await ctx.openIncident();
    const event: UpdateEvent =
      outcome === 'succeeded'
        ? 'update.succeeded'
        : outcome === 'rolled_back'
          ? 'update.rolled_back'
          : outcome === 'rollback_failed'
            ? 'update.rollback_failed'
            : 'update.aborted';
    return { phase: 'done', events: [event] };
  },
};

export const screenshotDir = (dataDir: string, runId: number): string => join(dataDir, 'updates', 'runs', String(runId));

export const errorLine = (err: unknown): string => describeError(err).split('\n')[0]!;
