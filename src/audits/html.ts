import { Parser } from 'htmlparser2';

/** What the audits need from a page's HTML, collected in one streaming pass. */
export interface PageDoc {
  scripts: { src?: string; integrity?: string; crossorigin?: string; inline: string }[];
  /** `<meta http-equiv>` values by lower-case name, plus `<meta name="referrer">` as referrer-policy (as browsers apply it). */
  httpEquiv: Map<string, string[]>;
  generators: string[];
  /** Every URL-bearing attribute: links to follow, resources that load with the page. */
  links: { href: string; tag: string; rel?: string }[];
  resources: { url: string; tag: string; attr: string }[];
  forms: { action: string; method: string; hasPassword: boolean }[];
  title: string;
  /** Visible text, trimmed and capped, for "is this a not-found page?" decisions. */
  text: string;
}

const RESOURCE_ATTRS: Record<string, string[]> = {
  img: ['src'],
  script: ['src'],
  iframe: ['src'],
  audio: ['src'],
  video: ['src', 'poster'],
  source: ['src'],
  embed: ['src'],
  object: ['data'],
  track: ['src'],
};
const TEXT_CAP = 20_000;

export function parseHtml(html: string): PageDoc {
  const doc: PageDoc = { scripts: [], httpEquiv: new Map(), generators: [], links: [], resources: [], forms: [], title: '', text: '' };
  let inScript: PageDoc['scripts'][number] | null = null;
  let inTitle = false;
  let skipText = 0;
  let form: PageDoc['forms'][number] | null = null;
  const addEquiv = (name: string, value: string) => doc.httpEquiv.set(name, [...(doc.httpEquiv.get(name) ?? []), value]);

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        switch (name) {
          case 'script': {
            inScript = { inline: '' };
            if (attrs.src !== undefined) inScript.src = attrs.src;
            if (attrs.integrity !== undefined) inScript.integrity = attrs.integrity;
            if (attrs.crossorigin !== undefined) inScript.crossorigin = attrs.crossorigin;
            doc.scripts.push(inScript);
            break;
          }
          case 'style':
            skipText++;
            break;
          case 'title':
            inTitle = true;
            break;
          case 'meta': {
            const content = attrs.content ?? '';
            if (attrs['http-equiv']) addEquiv(attrs['http-equiv'].toLowerCase(), content);
            const metaName = attrs.name?.toLowerCase();
            if (metaName === 'referrer') addEquiv('referrer-policy', content);
            if (metaName === 'generator' && content) doc.generators.push(content);
            break;
          }
          case 'a':
          case 'area':
            if (attrs.href !== undefined) doc.links.push({ href: attrs.href, tag: name });
            break;
          case 'link':
            if (attrs.href !== undefined) {
              const rel = (attrs.rel ?? '').toLowerCase();
              doc.links.push({ href: attrs.href, tag: name, rel });
              if (/\b(stylesheet|icon|preload|modulepreload)\b/.test(rel)) doc.resources.push({ url: attrs.href, tag: 'link', attr: 'href' });
            }
            break;
          case 'form':
            form = { action: attrs.action ?? '', method: (attrs.method ?? 'get').toLowerCase(), hasPassword: false };
            doc.forms.push(form);
            break;
          case 'input':
            if (form && attrs.type?.toLowerCase() === 'password') form.hasPassword = true;
            break;
        }
        for (const attr of RESOURCE_ATTRS[name] ?? []) {
          const value = attrs[attr];
          if (value) doc.resources.push({ url: value, tag: name, attr });
        }
      },
      ontext(text) {
        if (inScript) inScript.inline += text;
        else if (inTitle) doc.title += text;
        else if (!skipText && doc.text.length < TEXT_CAP) doc.text += text;
      },
      onclosetag(name) {
        if (name === 'script') inScript = null;
        else if (name === 'style') skipText = Math.max(0, skipText - 1);
        else if (name === 'title') inTitle = false;
        else if (name === 'form') form = null;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  doc.title = doc.title.trim();
  doc.text = doc.text.replace(/\s+/g, ' ').trim().slice(0, TEXT_CAP);
  return doc;
}

/** Whether a content type is HTML, as the Observatory decides whether a body is a page. */
export function isHtml(contentType: string | undefined): boolean {
  const mime = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return mime === 'text/html' || mime === 'application/xhtml+xml';
}

/** Resolves a link against the page, or undefined when it is not a URL at all. */
export function resolveUrl(href: string, base: string): URL | undefined {
  try {
    return new URL(href.trim(), base);
  } catch {
    return undefined;
  }
}
