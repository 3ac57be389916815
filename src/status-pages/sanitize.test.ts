import { describe, expect, it } from 'vitest';
import { plainText, renderMarkdown, safeCss } from './sanitize.js';

describe('Markdown of people, made safe', () => {
  it('keeps formatting and http(s) links, drops scripts, handlers, images and other schemes', () => {
    expect(renderMarkdown('**Fixed** _now_ [docs](https://docs.test/x)')).toBe(
      '<p><strong>Fixed</strong> <em>now</em> <a href="https://docs.test/x" rel="nofollow noopener noreferrer">docs</a></p>',
    );
    const html = renderMarkdown('<script>alert(1)</script><img src=x onerror=alert(2)> [x](javascript:alert(3)) <a href="data:text/html,x" onclick="y">d</a>');
    expect(html).not.toMatch(/<script|<img|onerror=|onclick=|href="(javascript|data):/);
    expect(renderMarkdown('[x](javascript:alert(3)) [y](data:text/html,z)')).toBe(
      '<p><a rel="nofollow noopener noreferrer">x</a> <a rel="nofollow noopener noreferrer">y</a></p>',
    );
  });

  it('demotes headings below the page outline and gives plain text for feeds and subjects', () => {
    expect(renderMarkdown('# Big\n## Less')).toBe('<h3>Big</h3>\n<h4>Less</h4>');
    expect(plainText('**Payments** are <b>back</b> & fine')).toBe('Payments are back & fine');
  });
});

describe('custom CSS', () => {
  it('cannot load, import or run anything, even spelled with CSS escapes', () => {
    const css = safeCss(
      'a{color:red;background:url(https://x.test/p.gif)} @import "evil.css"; b{width:expression(alert(1))} c{background:\\75rl(x)} d{behavior:url(x.htc)}</style>',
    );
    expect(css).toContain('a{color:red;background:none}');
    expect(css).not.toMatch(/url\(|@import|expression\(|(?<![\w-])behavior:|</i);
  });
});
