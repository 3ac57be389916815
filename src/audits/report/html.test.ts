import { describe, expect, it } from 'vitest';
import type { StoredAudit } from '../audit.service.js';
import { renderHtmlReport } from './html.js';

const audit: StoredAudit = {
  id: 1,
  siteId: null,
  url: 'https://shop.example.com/',
  categories: ['security', 'privacy'],
  status: 'partial',
  startedAt: '2026-01-02T03:04:05.000Z',
  finishedAt: '2026-01-02T03:05:00.000Z',
  scores: { security: 40 },
  grades: { security: 'D+' },
  findings: [
    { id: 'security.x', category: 'security', severity: 'high', title: 'Header <script>alert(1)</script>', evidence: 'Server: "evil" & co', fix: 'Remove it' },
  ],
  facts: {},
  errors: { privacy: 'Chromium was not found at /usr/bin/chromium' },
  artifacts: [],
};

describe('the HTML report', () => {
  const html = renderHtmlReport(audit, []);

  it('escapes everything that came from the audited site', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('Header &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('Server: &quot;evil&quot; &amp; co');
  });

  it('opens with a plain-language summary and says which parts could not run', () => {
    expect(html).toContain('1 thing to look at (1 high). Start with the 1 marked critical or high');
    expect(html).toContain('This part could not run: Chromium was not found at /usr/bin/chromium');
    expect(html).toMatch(/<div class="card poor"><div class="big">D\+<\/div><div>Security headers<\/div>/);
  });
});
