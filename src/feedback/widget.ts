import Mustache from 'mustache';

/**
 * The widget a site embeds with one tag: `<script src="https://upkeep.example/feedback/<siteKey>.js" async></script>`.
 * The same file for every site (the key is read from its own address). It works under the embedding
 * page's strict CSP: it runs from Upkeep's origin (which the page allows in script-src and
 * connect-src), builds everything with createElement and textContent inside a Shadow DOM, and styles
 * it with a constructed stylesheet (adoptedStyleSheets), never with style attributes or <style>
 * elements that `style-src` would block. It sets no cookie and sends nothing until asked: the form
 * token is fetched when the form opens, the report with `credentials: 'omit'`.
 */
export const WIDGET_SCRIPT = `(function () {
  var me = document.currentScript;
  if (!me || !window.fetch || !document.body || !document.body.attachShadow) return;
  var m = /^(.*)\\/feedback\\/([\\w-]+)\\.js(\\?.*)?$/.exec(me.src);
  if (!m) return;
  var base = m[1] + '/feedback/' + m[2];
  var css = ':host{all:initial}*{box-sizing:border-box;font:14px/1.4 system-ui,sans-serif}' +
    '.open{position:fixed;right:16px;bottom:16px;z-index:2147483000;padding:8px 14px;border:0;border-radius:18px;background:#1d4ed8;color:#fff;cursor:pointer}' +
    'form{position:fixed;right:16px;bottom:64px;z-index:2147483000;width:300px;max-width:calc(100vw - 32px);padding:14px;border:1px solid #ccc;border-radius:8px;background:#fff;color:#111;box-shadow:0 4px 18px rgba(0,0,0,.18)}' +
    'form[hidden]{display:none}fieldset{border:0;margin:0 0 10px;padding:0}legend,label{display:block;margin-bottom:4px;font-weight:600}' +
    '.row label{display:inline-block;margin-right:10px;font-weight:400}textarea,input[type=email]{width:100%;padding:6px;border:1px solid #999;border-radius:4px}' +
    'textarea{height:80px;resize:vertical}.hp{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}' +
    '.send{margin-top:10px;padding:7px 14px;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}.note{margin:8px 0 0}';
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { e.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return e;
  }
  function choice(name, value, text) {
    return el('label', {}, [el('input', { type: 'radio', name: name, value: value }), ' ' + text]);
  }
  var host = el('div', { 'data-upkeep-feedback': '' });
  var root = host.attachShadow({ mode: 'open' });
  if (root.adoptedStyleSheets !== undefined && window.CSSStyleSheet) {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  }
  var note = el('p', { class: 'note', role: 'status' });
  var rates = [];
  for (var i = 1; i <= 5; i++) rates.push(choice('rating', String(i), String(i)));
  var form = el('form', { hidden: '', 'aria-label': 'Feedback' }, [
    el('fieldset', { class: 'row' }, [el('legend', {}, ['Did something go wrong?']), choice('wrong', 'yes', 'Yes'), choice('wrong', 'no', 'No')]),
    el('fieldset', { class: 'row' }, [el('legend', {}, ['How was your visit? (1 = bad, 5 = great)'])].concat(rates)),
    el('label', { for: 'c' }, ['Comment']),
    el('textarea', { id: 'c', name: 'comment', maxlength: '5000' }),
    el('label', { for: 'e' }, ['Email (optional, if you want an answer)']),
    el('input', { id: 'e', name: 'email', type: 'email', autocomplete: 'email' }),
    el('div', { class: 'hp', 'aria-hidden': 'true' }, [el('label', { for: 'w' }, ['Leave this empty']), el('input', { id: 'w', name: 'website', tabindex: '-1', autocomplete: 'off' })]),
    el('button', { class: 'send', type: 'submit' }, ['Send']),
    note
  ]);
  var open = el('button', { class: 'open', type: 'button', 'aria-expanded': 'false' }, ['Feedback']);
  var token = null;
  function fetchToken() {
    return fetch(base + '/token', { credentials: 'omit' }).then(function (r) { return r.json(); }).then(function (d) { token = d.token; });
  }
  open.addEventListener('click', function () {
    var show = form.hidden;
    form.hidden = !show;
    open.setAttribute('aria-expanded', String(show));
    if (show && !token) fetchToken().catch(function () { note.textContent = 'The form could not load; try again later.'; });
  });
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var f = new FormData(form);
    var body = { token: token || '', comment: f.get('comment') || '', email: f.get('email') || '', website: f.get('website') || '', url: location.href };
    if (f.get('wrong')) body.wrong = f.get('wrong') === 'yes';
    if (f.get('rating')) body.rating = Number(f.get('rating'));
    fetch(base, { method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (d) { return { ok: r.ok, d: d }; }); })
      .then(function (a) {
        token = null;
        if (a.ok) { form.reset(); note.textContent = 'Thank you! Your report was sent.'; }
        else note.textContent = (a.d.error && a.d.error.message) || 'Sending failed.';
        return fetchToken();
      })
      .catch(function () { note.textContent = 'Sending failed; try again later.'; });
  });
  root.appendChild(open);
  root.appendChild(form);
  document.body.appendChild(host);
})();
`;

/** The form without JavaScript, for the widget's fallback link and status pages: plain HTML, posted to Upkeep itself. */
const FORM_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{title}}</title></head>
<body>
<main>
<h1>{{title}}</h1>
{{#message}}<p role="status">{{message}}</p>{{/message}}
{{#form}}
<form method="post" action="{{action}}">
<input type="hidden" name="token" value="{{token}}">
<fieldset><legend>Did something go wrong?</legend>
<label><input type="radio" name="wrong" value="yes"> Yes</label> <label><input type="radio" name="wrong" value="no"> No</label></fieldset>
<fieldset><legend>How was your visit? (1 = bad, 5 = great)</legend>
{{#ratings}}<label><input type="radio" name="rating" value="{{.}}"> {{.}}</label> {{/ratings}}</fieldset>
<p><label for="url">Page where it happened</label><br><input id="url" name="url" type="url" size="60" value="{{url}}"></p>
<p><label for="comment">Comment</label><br><textarea id="comment" name="comment" rows="6" cols="60" maxlength="5000"></textarea></p>
<p><label for="email">Email (optional, if you want an answer)</label><br><input id="email" name="email" type="email" size="40"></p>
<p hidden><label for="website">Leave this empty</label><input id="website" name="website" tabindex="-1" autocomplete="off"></p>
<p><button type="submit">Send</button></p>
</form>
{{/form}}
</main>
</body>
</html>
`;

export function formPage(view: { title: string; message?: string; form?: { action: string; token: string; url: string } }): string {
  return Mustache.render(FORM_PAGE, { ...view, ratings: [1, 2, 3, 4, 5] });
}

/** The form page's CSP: no script, no style, posting only to Upkeep itself. */
export const FORM_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
