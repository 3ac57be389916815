import Mustache from 'mustache';
import { toIso } from '../lib/clock.js';
import { eeaCountries } from './records.schema.js';
import type { SiteRecords } from './records.service.js';

// Logic-less and escaped: every value is written with {{ }}, never {{{ }}}, so names and notes
// people typed (or third parties' domains) cannot add markup to the document.
const template = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Records of processing: {{site}}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
.flag { color: #a40000; }
</style>
</head>
<body>
<h1>Records of processing activities</h1>
<p>Article 30 GDPR · site <strong>{{site}}</strong>{{#url}} ({{url}}){{/url}} · generated {{generatedAt}}{{#reviewedAt}} · last reviewed {{reviewedAt}}{{/reviewedAt}}</p>
<h2>Controller</h2>
<p>{{#controller.name}}{{controller.name}}{{/controller.name}}{{^controller.name}}Not written yet.{{/controller.name}}{{#controller.contact}} · {{controller.contact}}{{/controller.contact}}</p>
<h2>Purposes of processing</h2>
{{#purposes.length}}
<table>
<tr><th>Purpose</th><th>Legal basis</th><th>Data categories</th><th>Data subjects</th><th>Retention</th></tr>
{{#purposes}}<tr><td>{{name}}</td><td>{{legalBasis}}</td><td>{{categories}}</td><td>{{subjectList}}</td><td>{{retention}}</td></tr>
{{/purposes}}
</table>
{{/purposes.length}}
{{^purposes.length}}<p>None written yet.</p>{{/purposes.length}}
<h2>Processors and recipients</h2>
{{#processors.length}}
<table>
<tr><th>Processor</th><th>Purpose</th><th>Country</th><th>Data processing agreement</th><th>Domain</th></tr>
{{#processors}}<tr><td>{{name}}</td><td>{{purpose}}</td><td>{{country}}{{^inEea}} <span class="flag">(outside the EU/EEA)</span>{{/inEea}}</td><td>{{dpa}}</td><td>{{domain}}</td></tr>
{{/processors}}
</table>
{{/processors.length}}
{{^processors.length}}<p>None written yet.</p>{{/processors.length}}
<h2>Third parties seen by the privacy audits</h2>
{{#thirdParties.length}}
<table>
<tr><th>Domain</th><th>Who</th><th>Categories</th><th>First seen</th><th>Last seen</th><th>In the records</th></tr>
{{#thirdParties}}<tr><td>{{domain}}</td><td>{{entity}}</td><td>{{categories}}</td><td>{{firstSeen}}</td><td>{{lastSeen}}</td><td>{{#documented}}yes{{/documented}}{{^documented}}<span class="flag">no</span>{{/documented}}</td></tr>
{{/thirdParties}}
</table>
{{/thirdParties.length}}
{{^thirdParties.length}}<p>None seen.</p>{{/thirdParties.length}}
<h2>Cookies seen by the privacy audits</h2>
{{#cookies.length}}
<table>
<tr><th>Name</th><th>Domain</th><th>First seen</th><th>Last seen</th></tr>
{{#cookies}}<tr><td>{{name}}</td><td>{{domain}}</td><td>{{firstSeen}}</td><td>{{lastSeen}}</td></tr>
{{/cookies}}
</table>
{{/cookies.length}}
{{^cookies.length}}<p>None seen.</p>{{/cookies.length}}
{{#notes}}<h2>Notes</h2><p>{{notes}}</p>{{/notes}}
</body>
</html>
`;

const day = (ms: number) => toIso(ms).slice(0, 10);

/** The site's records as a records-of-processing document: one HTML page that stands alone (print it to PDF). */
export function recordsDocument(site: { name: string; url: string | null }, records: SiteRecords, now: number): string {
  const { body } = records;
  return Mustache.render(template, {
    site: site.name,
    url: site.url,
    generatedAt: day(now),
    reviewedAt: records.reviewedAt === null ? null : day(records.reviewedAt),
    controller: body.controller,
    purposes: body.purposes.map((p) => ({ ...p, categories: p.dataCategories.join(', '), subjectList: p.subjects.join(', '), retention: p.retention ?? '' })),
    processors: body.processors.map((p) => ({ ...p, purpose: p.purpose ?? '', domain: p.domain ?? '', inEea: eeaCountries.has(p.country) })),
    thirdParties: records.thirdParties.map((t) => ({
      domain: t.name,
      entity: t.seen.entity ?? '',
      categories: t.seen.categories.join(', '),
      firstSeen: day(Number(t.first_seen)),
      lastSeen: day(Number(t.last_seen)),
      documented: t.documented,
    })),
    cookies: records.cookies.map((c) => ({
      name: c.seen.name,
      domain: c.seen.domain,
      firstSeen: day(Number(c.first_seen)),
      lastSeen: day(Number(c.last_seen)),
    })),
    notes: body.notes,
  });
}
