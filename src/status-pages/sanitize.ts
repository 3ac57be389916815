import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

// One parser with its own options, so nothing else in the process can change how updates render.
const marked = new Marked({ gfm: true, breaks: true, async: false });

const allowed: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'strong',
    'em',
    'del',
    'code',
    'pre',
    'blockquote',
    'ul',
    'ol',
    'li',
    'a',
    'h3',
    'h4',
    'h5',
    'h6',
    'hr',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
  ],
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Headings of updates sit under the page's own h2/h3: written h1/h2 are demoted so the outline stays right.
  transformTags: {
    h1: 'h3',
    h2: 'h4',
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow noopener noreferrer' } }),
  },
};

/**
 * Markdown written by people (incident updates, page descriptions, maintenance notes) as HTML that
 * is safe to put in a page: marked renders, sanitize-html keeps only text formatting and http(s)
 * or mailto links. No images (they would track readers), no attributes besides href.
 *
 * @example renderMarkdown('**Fixed** <script>x</script>') // '<p><strong>Fixed</strong> </p>'
 */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(marked.parse(source, { async: false }), allowed).trim();
}

/** The same text without any markup, for feeds' summaries, email subjects and the embed banner. */
export function plainText(source: string): string {
  return sanitizeHtml(marked.parse(source, { async: false }), { allowedTags: [], allowedAttributes: {} })
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * A page's custom CSS, unable to load anything or run anything: CSS escapes are removed first (so
 * `\75rl(` cannot spell `url(`), then @import, url(), expression(), javascript:, behavior and
 * -moz-binding, and `<`, which has no business in a stylesheet. The page's CSP forbids loading
 * from elsewhere besides; this keeps an exported static copy (served without our headers) as safe.
 */
export function safeCss(css: string): string {
  return css
    .replace(/\\(?:[0-9a-f]{1,6}\s?|[\s\S])/gi, '')
    .replace(/@import[^;]*;?/gi, '')
    .replace(/url\s*\([^)]*\)?/gi, 'none')
    .replace(/expression\s*\(/gi, '(')
    .replace(/javascript\s*:/gi, '')
    .replace(/behavior\s*:/gi, 'x-behavior:')
    .replace(/-moz-binding/gi, 'x-binding')
    .replace(/</g, '');
}
