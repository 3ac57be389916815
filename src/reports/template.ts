import Mustache from 'mustache';
import type { ReportModel } from './format.js';

/**
 * The monthly report's page: a logic-less Mustache template (sections and escaped values only) over
 * a model whose figures and words are already text in the report's language. Styles are inline so
 * the page stands alone and prints well as A4 through Chromium; the brand's colour was checked for
 * contrast and its logo re-encoded (brand.ts).
 */
const TEMPLATE = `<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<title>{{heading}}, {{month}}</title>
<style>
  body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; color: #1a1a1a; margin: 2rem; font-size: 11pt; }
  header { display: flex; align-items: center; gap: 1rem; border-bottom: 3px solid {{accent}}; padding-bottom: .5rem; }
  header img { max-height: 48px; max-width: 200px; }
  h1 { font-size: 18pt; margin: 0 0 .25rem; color: {{accent}}; }
  h2 { font-size: 14pt; margin: 1.5rem 0 .5rem; border-bottom: 1px solid {{accent}}; color: {{accent}}; break-after: avoid; }
  h3 { font-size: 11pt; margin: 1rem 0 .25rem; break-after: avoid; }
  table { border-collapse: collapse; width: 100%; margin-bottom: .5rem; }
  tr { break-inside: avoid; }
  th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #e5e5e5; vertical-align: top; }
  .muted { color: #555; }
</style>
</head>
<body>
<header>
{{#brand}}{{#logo}}<img src="{{logo}}" alt="{{name}}">{{/logo}}{{/brand}}
<div>
<h1>{{heading}}</h1>
<p class="muted">{{month}} ({{timezone}}) · {{generated}}{{#brand}} · {{agency}}{{/brand}}</p>
</div>
</header>
<main>
{{#sites}}
<section>
<h2>{{name}}</h2>
<p>{{t.owner}}: {{owner}}</p>
<p>{{summary}}</p>
<h3>{{t.goals}}</h3>
{{#noGoals}}<p class="muted">{{t.noGoals}}</p>{{/noGoals}}
{{^noGoals}}
<table>
<thead><tr><th scope="col">{{t.goal}}</th><th scope="col">{{t.target}}</th><th scope="col">{{t.attained}}</th><th scope="col">{{t.result}}</th><th scope="col">{{t.budgetLeft}}</th></tr></thead>
<tbody>
{{#goals}}<tr><td>{{name}}</td><td>{{goal}}</td><td>{{attained}}</td><td>{{verdict}}</td><td>{{budgetLeft}}</td></tr>
{{/goals}}
</tbody>
</table>
{{/noGoals}}
<h3>{{t.uptime}}</h3>
<table>
<thead><tr><th scope="col">{{t.monitor}}</th><th scope="col">{{t.checks}}</th><th scope="col">{{t.uptimeColumn}}</th><th scope="col">{{t.median}}</th><th scope="col">{{t.p95}}</th></tr></thead>
<tbody>
{{#monitors}}<tr><td>{{name}}</td><td>{{checks}}</td><td>{{uptime}}</td><td>{{p50}}</td><td>{{p95}}</td></tr>
{{/monitors}}
</tbody>
</table>
<h3>{{t.incidents}}</h3>
{{#noIncidents}}<p class="muted">{{t.noIncidents}}</p>{{/noIncidents}}
{{^noIncidents}}
<table>
<thead><tr><th scope="col">{{t.incident}}</th><th scope="col">{{t.severity}}</th><th scope="col">{{t.opened}}</th><th scope="col">{{t.duration}}</th><th scope="col">{{t.postmortem}}</th></tr></thead>
<tbody>
{{#incidents}}<tr><td>{{title}}</td><td>{{severity}}</td><td>{{opened}}</td><td>{{duration}}</td><td>{{postmortem}}</td></tr>
{{/incidents}}
</tbody>
</table>
{{/noIncidents}}
<h3>{{t.maintenance}}</h3>
{{#noMaintenance}}<p class="muted">{{t.noMaintenance}}</p>{{/noMaintenance}}
{{^noMaintenance}}
<table>
<thead><tr><th scope="col">{{t.window}}</th><th scope="col">{{t.from}}</th><th scope="col">{{t.to}}</th><th scope="col">{{t.duration}}</th></tr></thead>
<tbody>
{{#maintenance}}<tr><td>{{name}}</td><td>{{from}}</td><td>{{to}}</td><td>{{duration}}</td></tr>
{{/maintenance}}
</tbody>
</table>
{{/noMaintenance}}
<h3>{{t.updates}}</h3>
{{#updatesNotSetUp}}<p class="muted">{{t.updatesNotSetUp}}</p>{{/updatesNotSetUp}}
{{#updatesSetUp}}
{{#noRuns}}<p class="muted">{{t.noRuns}}</p>{{/noRuns}}
{{^noRuns}}
<table>
<caption>{{t.applied}}</caption>
<thead><tr><th scope="col">{{t.when}}</th><th scope="col">{{t.outcome}}</th></tr></thead>
<tbody>
{{#runs}}<tr><td>{{when}}</td><td>{{outcome}}</td></tr>
{{/runs}}
</tbody>
</table>
{{/noRuns}}
{{#noPending}}<p class="muted">{{t.noPending}}</p>{{/noPending}}
{{^noPending}}
<table>
<caption>{{t.pending}}</caption>
<thead><tr><th scope="col">{{t.component}}</th><th scope="col">{{t.installed}}</th><th scope="col">{{t.latest}}</th></tr></thead>
<tbody>
{{#pending}}<tr><td>{{name}}</td><td>{{version}}</td><td>{{latest}}</td></tr>
{{/pending}}
</tbody>
</table>
{{/noPending}}
{{/updatesSetUp}}
<h3>{{t.backups}}</h3>
{{#noBackups}}<p class="muted">{{t.noBackups}}</p>{{/noBackups}}
{{^noBackups}}
<table>
<thead><tr><th scope="col">{{t.job}}</th><th scope="col">{{t.succeeded}}</th><th scope="col">{{t.failed}}</th><th scope="col">{{t.lastSuccess}}</th></tr></thead>
<tbody>
{{#backups}}<tr><td>{{name}}</td><td>{{succeeded}}</td><td>{{failed}}</td><td>{{lastSuccess}}</td></tr>
{{/backups}}
</tbody>
</table>
{{/noBackups}}
<h3>{{t.audits}}</h3>
{{#noAudits}}<p class="muted">{{t.noAudits}}</p>{{/noAudits}}
{{#audits}}
<table>
<thead><tr><th scope="col">{{t.score}}</th><th scope="col">{{t.before}}</th><th scope="col">{{t.now}}</th></tr></thead>
<tbody>
{{#scores}}<tr><td>{{name}}</td><td>{{before}}</td><td>{{now}}</td></tr>
{{/scores}}
</tbody>
</table>
<p>{{t.findingsFixed}}: {{fixed}}</p>
<p>{{t.findingsNew}}: {{added}}</p>
{{/audits}}
<h3>{{t.feedback}}</h3>
{{#noFeedback}}<p class="muted">{{t.noFeedback}}</p>{{/noFeedback}}
{{^noFeedback}}
{{#feedback}}
<table>
<tbody>
<tr><th scope="row">{{t.feedbackReports}}</th><td>{{reports}}</td></tr>
<tr><th scope="row">{{t.feedbackWentWrong}}</th><td>{{wentWrong}}</td></tr>
<tr><th scope="row">{{t.feedbackRated}}</th><td>{{rated}}</td></tr>
<tr><th scope="row">{{t.feedbackComments}}</th><td>{{comments}}</td></tr>
<tr><th scope="row">{{t.feedbackAverage}}</th><td>{{average}}</td></tr>
<tr><th scope="row">{{t.feedbackTrend}}</th><td>{{trend}}</td></tr>
<tr><th scope="row">{{t.feedbackTopTags}}</th><td>{{topTags}}</td></tr>
<tr><th scope="row">{{t.feedbackLinked}}</th><td>{{linked}}</td></tr>
</tbody>
</table>
{{/feedback}}
{{/noFeedback}}
<h3>{{t.actions}}</h3>
{{#noActions}}<p class="muted">{{t.noActions}}</p>{{/noActions}}
{{^noActions}}<ul>{{#actions}}<li>{{.}}</li>{{/actions}}</ul>{{/noActions}}
</section>
{{/sites}}
</main>
</body>
</html>
`;

// Parsed once; the template is ours and fixed, so mustache's cache holds exactly one entry.
Mustache.parse(TEMPLATE);

export function renderReport(model: ReportModel): string {
  return Mustache.render(TEMPLATE, model);
}
