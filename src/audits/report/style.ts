/** The report's only stylesheet, inlined so the file can be mailed or archived on its own. */
export const REPORT_CSS = `
:root { --good: #1a7f37; --fair: #9a6700; --poor: #cf222e; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #f6f8fa; }
header, main, footer { max-width: 960px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { margin: 4px 0; font-size: 26px; word-break: break-all; }
h2 { margin: 32px 0 4px; font-size: 22px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 0; font-size: 17px; }
.small { color: var(--muted); font-size: 13px; margin: 0; }
.summary { font-size: 18px; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { background: #fff; border: 1px solid var(--line); border-top: 6px solid var(--fair); border-radius: 8px; padding: 10px 14px; min-width: 130px; }
.card .big { font-size: 30px; font-weight: 700; }
.card.good { border-top-color: var(--good); } .card.good .big { color: var(--good); }
.card.fair .big { color: var(--fair); }
.card.poor { border-top-color: var(--poor); } .card.poor .big { color: var(--poor); }
.intro { color: var(--muted); margin-top: 0; }
.finding { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 10px 0; }
.finding .head { display: flex; gap: 10px; align-items: baseline; }
.fix { margin: 8px 0 4px; }
.sev { flex: none; font-size: 12px; font-weight: 700; text-transform: uppercase; padding: 2px 8px; border-radius: 10px; color: #fff; background: var(--muted); }
.sev.critical { background: #82071e; } .sev.high { background: var(--poor); } .sev.medium { background: #bc4c00; } .sev.low { background: var(--fair); }
details summary { cursor: pointer; color: var(--muted); font-size: 14px; }
pre { white-space: pre-wrap; word-break: break-all; background: #f6f8fa; padding: 8px; border-radius: 6px; font-size: 13px; }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 8px 0 12px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 6px 8px; text-align: left; }
td.good { color: var(--good); font-weight: 600; } td.needs-improvement { color: var(--fair); font-weight: 600; } td.poor { color: var(--poor); font-weight: 600; }
.ok { color: var(--good); font-weight: 600; } .error { color: var(--poor); }
figure { margin: 16px 0; } figure img { width: 100%; max-height: 360px; object-fit: cover; object-position: top; border: 1px solid var(--line); border-radius: 8px; }
figcaption { color: var(--muted); font-size: 13px; }
footer { padding: 32px 24px; }
`;
