import type { StatusPageSpec } from './status-page.schema.js';
import { safeCss } from './sanitize.js';

/**
 * The one stylesheet of every page (no inline styles: the CSP forbids them). Written compact on
 * purpose: a page of 20 components must stay well under 100 kB. Text colours keep a contrast of
 * at least 4.5:1 on their backgrounds.
 */
const BASE = `:root{--brand:#0969da;--bg:#f6f7f9;--fg:#1f2328;--muted:#57606a;--card:#fff;--line:#d8dee4;--ok:#0a6b35;--minor:#8a5a00;--partial:#a33e00;--major:#b42318;--maint:#1d4ed8}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
a{color:#0550ae}a:focus,button:focus,input:focus{outline:3px solid var(--brand);outline-offset:2px}
.w{max-width:52rem;margin:0 auto;padding:1rem}header.top{border-top:6px solid var(--brand);background:var(--card);border-bottom:1px solid var(--line)}
header.top .w{display:flex;align-items:center;gap:1rem}header img{max-height:48px;max-width:12rem}h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.2rem;margin:2rem 0 .75rem}.card>h2{margin-top:0}h3{font-size:1rem;margin:0}.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:1rem;margin:0 0 1rem}
.banner{border-radius:8px;padding:1rem 1.25rem;color:#fff;font-weight:600;font-size:1.15rem;margin:1.5rem 0}.i-none{background:var(--ok)}.i-minor{background:var(--minor)}
.i-major{background:var(--partial)}.i-critical{background:var(--major)}.i-maintenance{background:var(--maint)}
ul.cs{list-style:none;margin:0;padding:0 1rem}ul.cs>li{padding:.75rem 0;border-top:1px solid var(--line)}ul.cs>li:first-child{border-top:0}
.row{display:flex;justify-content:space-between;gap:1rem;align-items:baseline}.st{font-weight:600;font-size:.9rem}
.s-operational{color:var(--ok)}.s-degraded_performance{color:var(--minor)}.s-partial_outage{color:var(--partial)}.s-major_outage{color:var(--major)}.s-under_maintenance{color:var(--maint)}
ol.bars{display:flex;gap:2px;list-style:none;margin:.5rem 0 .25rem;padding:0;height:2rem}ol.bars li{flex:1;background:#2da44e;border-radius:2px}
ol.bars li:hover{opacity:.7}ol.bars .n{background:#d0d7de}ol.bars .m{background:#d4a72c}ol.bars .p{background:#f97316}ol.bars .x{background:#d92d20}
.range{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem;margin:0}.desc,.muted{color:var(--muted)}
article{border-left:4px solid var(--line);padding-left:1rem;margin:0 0 1.25rem}article.k-minor{border-color:#d4a72c}article.k-major{border-color:#f97316}article.k-critical{border-color:#d92d20}article.k-maintenance{border-color:var(--maint)}
article h3{font-size:1.05rem}.u{margin:.5rem 0 0}.u>strong{margin-right:.5rem}.u p{margin:.25rem 0}time{color:var(--muted);font-size:.85rem}
form.sub{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end}label{display:block;font-size:.9rem;font-weight:600}input{font:inherit;padding:.45rem .6rem;border:1px solid #6e7781;border-radius:6px;min-width:16rem}
details{flex-basis:100%}summary{cursor:pointer}label.pick{font-weight:400;display:flex;gap:.5rem;align-items:center}label.pick input{min-width:0}
button{font:inherit;font-weight:600;padding:.45rem 1rem;border:0;border-radius:6px;background:#1f2328;color:#fff;cursor:pointer}
footer{color:var(--muted);font-size:.85rem;padding:2rem 0}footer a{margin-right:1rem}.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

/** The page's stylesheet: the base, its colours, then its custom CSS made harmless. */
export function stylesheetOf(spec: StatusPageSpec): string {
  const vars = [
    spec.colors?.brand && `--brand:${spec.colors.brand}`,
    spec.colors?.background && `--bg:${spec.colors.background}`,
    spec.colors?.text && `--fg:${spec.colors.text}`,
  ].filter(Boolean);
  return `${BASE}\n${vars.length ? `:root{${vars.join(';')}}\n` : ''}${spec.customCss ? `${safeCss(spec.customCss)}\n` : ''}`;
}
