import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { BASE_FLAGS } from '../../src/audits/browser/chromium.js';

/** Debian's Chromium, never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';

/** Without Chromium the browser suites are skipped, and say so; with CI set its absence is a failure (.ci/run installs it). */
export const chromiumSkipReason = existsSync(CHROMIUM) ? undefined : `browser tests skipped: ${CHROMIUM} is missing (apt-get install -y chromium)`;
if (chromiumSkipReason && process.env.CI) throw new Error(`CI is set but ${CHROMIUM} is missing: .ci/run must install Debian's chromium package`);
if (chromiumSkipReason) console.warn(chromiumSkipReason);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: BASE_FLAGS });
}

const axeSource = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/**
 * Runs axe-core in the page (its context must bypass the page's CSP, which allows no script) and returns the violations;
 * `within` (a CSS selector, e.g. "main") checks only that part of the page.
 */
export async function axe(page: Page, within?: string): Promise<AxeViolation[]> {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async (selector) => {
    const page = globalThis as unknown as { document: object; axe: { run(context: object, o: object): Promise<{ violations: AxeViolation[] }> } };
    const result = await page.axe.run(selector ? { include: [selector] } : page.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) }));
  }, within);
}
