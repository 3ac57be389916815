/**
 * The pages' Mustache templates: logic-less, every value HTML-escaped by `{{ }}`; `{{{ }}}` only
 * ever holds Markdown that went through sanitize.ts. Whitespace between tags is kept to a minimum
 * because it is sent on every request.
 */
const head = `<!doctype html><html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">{{#metaCsp}}<meta http-equiv="Content-Security-Policy" content="{{metaCsp}}">{{/metaCsp}}<title>{{title}}</title><link rel="stylesheet" href="{{links.css}}">`;

const header = `<header class="top"><div class="w">{{#logo}}<img src="{{logo}}" alt="">{{/logo}}<h1>{{title}}</h1></div></header>`;

const incident = `<article class="k-{{impact}}"><h3>{{title}}</h3>{{#affects}}<p class="muted">{{affectsLabel}}: {{affects}}</p>{{/affects}}{{#updates}}<div class="u"><strong>{{status}}</strong><time datetime="{{iso}}">{{time}}</time>{{{html}}}</div>{{/updates}}</article>`;

export const pageTemplate = `${head}<link rel="alternate" type="application/rss+xml" title="RSS" href="{{links.rss}}"><link rel="alternate" type="application/atom+xml" title="Atom" href="{{links.atom}}"></head><body>${header}<main class="w">
<p class="banner i-{{indicator}}" role="status">{{indicatorText}}</p>{{#description}}<div class="desc">{{{description}}}</div>{{/description}}
{{#hasActive}}<section aria-labelledby="h-active"><h2 id="h-active">{{t.activeIncidents}}</h2>{{#active}}${incident}{{/active}}</section>{{/hasActive}}
{{#hasMaintenance}}<section aria-labelledby="h-maint"><h2 id="h-maint">{{t.scheduledMaintenance}}</h2>{{#maintenance}}<article class="k-maintenance"><h3>{{name}}</h3><p><strong>{{state}}</strong> <time datetime="{{iso}}">{{when}}</time></p>{{#affects}}<p class="muted">{{affectsLabel}}: {{affects}}</p>{{/affects}}{{{description}}}</article>{{/maintenance}}</section>{{/hasMaintenance}}
<section aria-labelledby="h-comp"><h2 id="h-comp">{{t.components}}</h2><ul class="cs card">
{{#components}}<li><div class="row"><h3>{{name}}</h3><span class="st s-{{status}}">{{statusText}}</span></div>{{#description}}<p class="muted">{{description}}</p>{{/description}}<ol class="bars" aria-hidden="true">{{#days}}<li{{#c}} class={{c}}{{/c}} title="{{t}}">{{/days}}</ol><p class="range"><span>{{from}}</span><span>{{uptime}}</span><span>{{to}}</span></p></li>
{{/components}}</ul></section>
<section aria-labelledby="h-past"><h2 id="h-past">{{t.pastIncidents}}</h2>{{#past}}${incident}{{/past}}{{^past}}<p class="muted">{{noPast}}</p>{{/past}}</section>
{{#subscribe}}<section aria-labelledby="h-sub" class="card"><h2 id="h-sub">{{t.subscribe}}</h2><form class="sub" method="post" action="{{subscribe}}"><div><label for="email">{{t.email}}</label><input id="email" name="email" type="email" required autocomplete="email"></div><button type="submit">{{t.subscribeButton}}</button><details><summary>{{t.someComponents}}</summary>{{#components}}<label class="pick"><input type="checkbox" name="components" value="{{name}}"> {{name}}</label>{{/components}}</details></form></section>{{/subscribe}}
</main><footer class="w"><p>{{updated}}</p>{{#report}}<p><a href="{{report}}">{{t.reportProblem}}</a></p>{{/report}}<p><a href="{{links.rss}}">RSS</a><a href="{{links.atom}}">Atom</a><a href="{{links.ics}}">{{t.calendar}}</a><a href="{{links.json}}">JSON</a></p></footer></body></html>
`;

/** A short page with a message and, optionally, a one-button form (password, confirm, unsubscribe). */
export const messageTemplate = `${head}</head><body>${header}<main class="w"><section class="card" aria-labelledby="h-msg"><h2 id="h-msg">{{heading}}</h2>{{#message}}<p role="status">{{message}}</p>{{/message}}{{#form}}<form class="sub" method="post" action="{{action}}">{{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/fields}}{{#password}}<div><label for="pw">{{label}}</label><input id="pw" name="password" type="password" required autocomplete="current-password"></div>{{/password}}<button type="submit">{{button}}</button></form>{{/form}}{{#back}}<p><a href="{{back}}">{{backLabel}}</a></p>{{/back}}</section></main></body></html>
`;
