import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { smokeProblems, type PageCapture } from './capture.js';
import { monitorsLost, type MonitorCheck } from './monitors.js';
import type { RunSpec } from './spec.js';
import { compareScreenshots } from './visual.js';

export interface Captured {
  pages: PageCapture[];
  monitors: MonitorCheck[];
}

export interface PageVerdict {
  url: string;
  problems: string[];
  /** Share of pixels that differ from the capture before the update. */
  ratio?: number;
  /** File name of the difference image in the run's folder. */
  diff?: string;
  capture: PageCapture;
}

/** Whether the site after a change is the site before it: each page's smoke checks, its looks, the monitors. */
export interface Verdict {
  ok: boolean;
  problems: string[];
  pages: PageVerdict[];
  monitors: MonitorCheck[];
}

/** Problems of the capture taken before the update: a site that fails them is not updated. */
export function baselineProblems(before: Captured): string[] {
  return [
    ...before.pages.flatMap((p) => smokeProblems(p).map((why) => `${p.url} ${why}`)),
    ...before.monitors.filter((m) => m.status === 'down').map((m) => `monitor "${m.name}" is down: ${m.message}`),
  ];
}

const newOnes = (after: readonly string[], before: readonly string[]) => after.filter((m) => !before.includes(m));

/**
 * Compares the pages and monitors after a change with those before it: each page must pass its
 * smoke checks, show no console error or exception it did not show before, and look the same
 * within the tolerance (masked regions left out); every monitor up before must still be up.
 */
export async function judge(before: Captured, after: Captured, spec: RunSpec, dir: string, label: string): Promise<Verdict> {
  const pages: PageVerdict[] = [];
  for (const [i, page] of spec.pages.entries()) {
    const a = before.pages[i];
    const b = after.pages[i]!;
    const problems = smokeProblems(b);
    for (const m of newOnes(b.consoleErrors, a?.consoleErrors ?? [])) problems.push(`new console error: ${m}`);
    for (const m of newOnes(b.pageErrors, a?.pageErrors ?? [])) problems.push(`new JavaScript exception: ${m}`);
    const verdict: PageVerdict = { url: page.url, problems, capture: b };
    if (a?.screenshot && b.screenshot) {
      const diff = compareScreenshots(await readFile(join(dir, a.screenshot)), await readFile(join(dir, b.screenshot)), {
        threshold: spec.visual.pixelThreshold,
        masks: page.maskRegions,
      });
      verdict.ratio = diff.ratio;
      verdict.diff = `page-${i + 1}-${label}-diff.png`;
      await writeFile(join(dir, verdict.diff), diff.diff);
      if (diff.ratio > spec.visual.tolerance)
        problems.push(`looks different: ${(diff.ratio * 100).toFixed(2)} % of its pixels changed (tolerance ${(spec.visual.tolerance * 100).toFixed(2)} %)`);
    }
    pages.push(verdict);
  }
  const lost = monitorsLost(before.monitors, after.monitors);
  const problems = [...pages.flatMap((p) => p.problems.map((why) => `${p.url} ${why}`)), ...lost.map((m) => `monitor "${m.name}" is down: ${m.message}`)];
  return { ok: problems.length === 0, problems, pages, monitors: after.monitors };
}
