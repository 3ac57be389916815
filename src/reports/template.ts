import Mustache from 'mustache';
import type { ReportModel } from './format.js';

/**
 * The monthly report's page: a logic-less Mustache template (sections and escaped values only) over
 * a model whose figures are already text. Styles are inline so the page stands alone, and print well
 * as A4 through Chromium.
 */
const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Monthly report: {{title}}, {{month}}</title>
<style>
  body { font-family: "DejaVu Sans", "Liberation Sans", sans-serif; color: #1a1a1a; margin: 2rem; font-size: 11pt; }
  h1 { font-size: 18pt; margin: 0 0 .25rem; }
  h2 { font-size: 14pt; margin: 1.5rem 0 .5rem; border-bottom: 1px solid #ccc; }
  h3 { font-size: 11pt; margin: 1rem 0 .25rem; }
  table { border-collapse: collapse; width: 100%; margin-bottom: .5rem; }
  th, td { text-align: left; padding: .2rem .4rem; border-bottom: 1px solid #e5e5e5; }
  .muted { color: #555; }
</style>
</head>
<body>
<main>
<h1>Monthly report: {{title}}</h1>
<p class="muted">{{month}} ({{timezone}}) · generated {{generatedAt}}</p>
{{#sites}}
<section>
<h2>{{name}}</h2>
<p>Owner: {{owner}}</p>
<h3>Goals</h3>
{{#noGoals}}<p class="muted">No goals are set for this site.</p>{{/noGoals}}
{{^noGoals}}
<table>
<thead><tr><th scope="col">Goal</th><th scope="col">Target</th><th scope="col">Attained</th><th scope="col">Result</th><th scope="col">Budget left</th></tr></thead>
<tbody>
{{#goals}}<tr><td>{{name}}</td><td>{{goal}}</td><td>{{attained}}</td><td>{{verdict}}</td><td>{{budgetLeft}}</td></tr>
{{/goals}}
</tbody>
</table>
{{/noGoals}}
<h3>Uptime and response times</h3>
<table>
<thead><tr><th scope="col">Monitor</th><th scope="col">Checks</th><th scope="col">Uptime</th><th scope="col">Average</th><th scope="col">p95</th></tr></thead>
<tbody>
{{#monitors}}<tr><td>{{name}}</td><td>{{checks}}</td><td>{{uptime}}</td><td>{{average}}</td><td>{{p95}}</td></tr>
{{/monitors}}
</tbody>
</table>
<h3>Incidents</h3>
{{#noIncidents}}<p class="muted">No incidents this month.</p>{{/noIncidents}}
{{^noIncidents}}
<table>
<thead><tr><th scope="col">Incident</th><th scope="col">Severity</th><th scope="col">Opened (UTC)</th><th scope="col">Duration</th></tr></thead>
<tbody>
{{#incidents}}<tr><td>{{title}}</td><td>{{severity}}</td><td>{{opened}}</td><td>{{duration}}</td></tr>
{{/incidents}}
</tbody>
</table>
{{/noIncidents}}
<h3>User feedback</h3>
{{#noFeedback}}<p class="muted">No feedback from visitors this month.</p>{{/noFeedback}}
{{^noFeedback}}
{{#feedback}}
<table>
<tbody>
<tr><th scope="row">Reports</th><td>{{reports}}</td></tr>
<tr><th scope="row">Something went wrong</th><td>{{wentWrong}}</td></tr>
<tr><th scope="row">With a rating</th><td>{{rated}}</td></tr>
<tr><th scope="row">With a comment</th><td>{{comments}}</td></tr>
<tr><th scope="row">Average rating</th><td>{{average}}</td></tr>
<tr><th scope="row">Trend</th><td>{{trend}}</td></tr>
<tr><th scope="row">Top tags</th><td>{{topTags}}</td></tr>
<tr><th scope="row">Linked to incidents</th><td>{{linked}}</td></tr>
</tbody>
</table>
{{/feedback}}
{{/noFeedback}}
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
