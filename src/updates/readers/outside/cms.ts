import { parseHtml, isHtml } from '../../../audits/html.js';
import { firstHeader, headerValues } from '../../../audits/net.js';
import { productsIn } from '../../../audits/security/disclosure.js';
import type { Ecosystem, Observed } from '../../component.js';
import type { OutsideReader, SiteResponse } from './types.js';

/**
 * The CMS and what runs it, from what every visitor receives: the generator meta tag, the
 * `Server`, `X-Powered-By` and `X-Generator` headers, a WordPress feed's `<generator>`, WordPress's
 * readme.html (versions before 3.7 print theirs) and the CMS's well-known files (Drupal's
 * CHANGELOG.txt, Joomla's manifest).
 */
const PRODUCTS: Record<string, { name: string; ecosystem: Ecosystem }> = {
  wordpress: { name: 'wordpress', ecosystem: 'wordpress-core' },
  drupal: { name: 'drupal', ecosystem: 'cms:drupal' },
  joomla: { name: 'joomla', ecosystem: 'cms:joomla' },
  nginx: { name: 'nginx', ecosystem: 'server:nginx' },
  apache: { name: 'apache', ecosystem: 'server:apache' },
  php: { name: 'php', ecosystem: 'runtime:php' },
  mariadb: { name: 'mariadb', ecosystem: 'server:mariadb' },
};

const path = (res: SiteResponse) => new URL(res.url).pathname;
const body = (res: SiteResponse) => res.body.subarray(0, 2 * 1024 * 1024).toString('utf8');
const html = (res: SiteResponse) => (res.status === 200 && isHtml(firstHeader(res, 'content-type')) ? parseHtml(body(res)) : null);

function known(text: string, source: string, at: string): Observed[] {
  return productsIn(text, source).flatMap((p) => {
    const product = PRODUCTS[p.name.toLowerCase()];
    if (!product) return [];
    return [{ ...product, ...(p.version ? { version: p.version } : {}), seen: [{ source, at }] }];
  });
}

export const headersReader: OutsideReader = {
  trust: 1,
  read: (res) => ['server', 'x-powered-by', 'x-generator'].flatMap((h) => headerValues(res, h).flatMap((v) => known(v, `${h}-header`, res.url))),
};

export const generatorReader: OutsideReader = {
  trust: 2,
  // Joomla's generator reads "Joomla! - Open Source Content Management": the "!" is part of the name.
  read: (res) => (html(res)?.generators ?? []).flatMap((g) => known(g.replace(/\bjoomla!/i, 'Joomla'), 'meta-generator', res.url)),
};

const CORE_FILES: Record<string, { product: string; paths: string[] }> = {
  'wordpress-core': { product: 'wordpress', paths: ['/feed/', '/readme.html'] },
  'cms:drupal': { product: 'drupal', paths: ['/CHANGELOG.txt', '/core/CHANGELOG.txt'] },
  'cms:joomla': { product: 'joomla', paths: ['/administrator/manifests/files/joomla.xml'] },
};

/** Reads the CMS's own files once a CMS is seen, wherever it is installed (the start URL's folder). */
export const cmsFilesReader: OutsideReader = {
  trust: 3,
  follow: (found, _responses, ctx) => found.flatMap((c) => CORE_FILES[c.ecosystem]?.paths.map((p) => new URL(`.${p}`, new URL('./', ctx.base)).href) ?? []),
  read: (res) => {
    if (res.status !== 200) return [];
    const p = path(res);
    const text = body(res).slice(0, 64 * 1024);
    const one = (name: string, ecosystem: Ecosystem, version: string | undefined, source: string): Observed[] =>
      version ? [{ name, ecosystem, version, seen: [{ source, at: res.url }] }] : [];
    if (p.endsWith('/feed/') || p.endsWith('/feed')) {
      // RSS: <generator>https://wordpress.org/?v=6.4.2</generator>; Atom: <generator uri="https://wordpress.org/" version="6.4.2">.
      const v =
        /<generator[^>]*>\s*https?:\/\/wordpress\.org\/\?v=([\w.-]+)/i.exec(text)?.[1] ??
        /<generator[^>]*wordpress\.org[^>]*version="([\w.-]+)"/i.exec(text)?.[1];
      return one('wordpress', 'wordpress-core', v, 'feed-generator');
    }
    if (p.endsWith('/readme.html')) return one('wordpress', 'wordpress-core', /<br\s*\/?>\s*Version\s+(\d+(?:\.\d+)+)/i.exec(text)?.[1], 'wp-readme-html');
    if (p.endsWith('CHANGELOG.txt')) return one('drupal', 'cms:drupal', /^Drupal (\d+\.\d+(?:\.\d+)?),/m.exec(text)?.[1], 'drupal-changelog');
    if (p.endsWith('/joomla.xml')) return one('joomla', 'cms:joomla', /<version>\s*(\d+(?:\.\d+)+)\s*<\/version>/i.exec(text)?.[1], 'joomla-manifest');
    return [];
  },
};
