import { incidentTitle, translatorOf } from './html.js';
import type { PageModel } from './model.js';

/** What the banner shows: the active incidents and maintenance of a page, with the texts already in its language. */
export function embedJson(model: PageModel, pageUrl: string) {
  const tr = translatorOf(model.spec);
  return {
    page: { title: model.spec.title, url: pageUrl, lang: model.spec.language },
    items: [
      ...model.active.map((i) => ({ kind: 'incident', impact: i.impact, text: `${incidentTitle(i, tr)}: ${tr.t(i.status)}` })),
      ...model.maintenance
        .filter((m) => m.active)
        .map((m) => ({ kind: 'maintenance', impact: 'maintenance', text: `${tr.t('indicatorMaintenance')}: ${m.name}` })),
    ],
  };
}

/**
 * The snippet customers put on their own site: `<script src="…/status/<slug>/embed.js" async></script>`.
 * It reads embed.json next to its own address and, only while something is going on, shows a
 * small banner at the bottom of the page linking to the status page. The same file for every
 * page (nothing of a page is written into it), built with textContent only, so nothing a page
 * says can become markup on the customer's site.
 */
export const EMBED_SCRIPT = `(function () {
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var source = script.src.replace(/embed\\.js(\\?.*)?$/, 'embed.json');
  var colours = { critical: '#b42318', major: '#a33e00', minor: '#8a5a00', maintenance: '#1d4ed8' };
  fetch(source, { credentials: 'omit' }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
    if (!data || !data.items || !data.items.length) return;
    var first = data.items[0];
    var bar = document.createElement('div');
    bar.setAttribute('role', 'status');
    bar.setAttribute('data-upkeep-banner', '');
    var s = bar.style;
    s.position = 'fixed'; s.left = '1rem'; s.right = '1rem'; s.bottom = '1rem'; s.zIndex = '2147483647';
    s.padding = '.75rem 1rem'; s.borderRadius = '8px'; s.color = '#fff'; s.font = '600 15px/1.4 system-ui,sans-serif';
    s.background = colours[first.impact] || colours.major; s.boxShadow = '0 4px 16px rgba(0,0,0,.25)';
    var text = document.createElement('span');
    text.textContent = data.items.map(function (i) { return i.text; }).join(' · ') + ' ';
    var link = document.createElement('a');
    link.href = data.page.url; link.textContent = data.page.title; link.style.color = '#fff';
    var close = document.createElement('button');
    close.type = 'button'; close.textContent = '×'; close.setAttribute('aria-label', 'Close');
    close.style.cssText = 'float:right;background:none;border:0;color:#fff;font-size:20px;line-height:1;cursor:pointer';
    close.onclick = function () { bar.remove(); };
    bar.appendChild(close); bar.appendChild(text); bar.appendChild(link);
    document.body.appendChild(bar);
  }).catch(function () {});
})();
`;
