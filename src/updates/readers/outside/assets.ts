import { isHtml, parseHtml } from '../../../audits/html.js';
import { firstHeader } from '../../../audits/net.js';
import { detect } from '../../../audits/security/retire.js';
import type { Observed } from '../../component.js';
import { fileHeader, stableTag } from '../inside/wordpress.js';
import type { OutsideReader, SiteResponse } from './types.js';

/**
 * What a page's own asset URLs give away: WordPress plugins and themes (`/wp-content/plugins/<slug>/`,
 * with `?ver=`), WordPress core (`?ver=` on core's own stylesheets and emoji script), Drupal core
 * (`/core/misc/…?v=`), Joomla (`/media/system/`), and JavaScript libraries recognised by retire.js's patterns (the audits'
 * copy of retire.js data), by URL and, for scripts of the site's own origin, by their banner.
 */
const MAX_SCRIPTS = 12;

const text = (res: SiteResponse) => res.body.subarray(0, 2 * 1024 * 1024).toString('utf8');
const doc = (res: SiteResponse) => (res.status === 200 && isHtml(firstHeader(res, 'content-type')) ? parseHtml(text(res)) : null);

/** Every URL a page loads or links to, resolved against the page. */
function assetUrls(res: SiteResponse): URL[] {
  const d = doc(res);
  if (!d) return [];
  const raw = [...d.resources.map((r) => r.url), ...d.links.map((l) => l.href)];
  return raw.flatMap((u) => {
    try {
      return [new URL(u, res.finalUrl || res.url)];
    } catch {
      return [];
    }
  });
}

const WP_ASSET = /\/wp-content\/(plugins|themes)\/([a-z0-9_.-]+)\//i;
// Core's own files carry core's version; bundled libraries under wp-includes (jQuery…) carry theirs.
const WP_CORE_ASSET = /\/wp-includes\/(?:css\/dist\/block-library\/style(?:\.min)?\.css|js\/wp-emoji-release\.min\.js)$/;
const DRUPAL_CORE_ASSET = /\/core\/(?:misc|assets)\//;
const JOOMLA_ASSET = /\/media\/(?:system|jui|templates\/site)\//;

export const assetsReader: OutsideReader = {
  trust: 1,
  read: (res) => {
    const out: Observed[] = [];
    for (const url of assetUrls(res)) {
      const ver = url.searchParams.get('ver') ?? undefined;
      const seen = [{ source: 'asset-url', at: url.href }];
      const wp = WP_ASSET.exec(url.pathname);
      if (wp) {
        const ecosystem = wp[1]!.toLowerCase() === 'plugins' ? 'wordpress-plugin' : 'wordpress-theme';
        out.push({ name: wp[2]!.toLowerCase(), ecosystem, ...(ver && /^\d/.test(ver) ? { version: ver } : {}), seen });
        out.push({ name: 'wordpress', ecosystem: 'wordpress-core', seen });
      } else if (WP_CORE_ASSET.test(url.pathname)) {
        out.push({ name: 'wordpress', ecosystem: 'wordpress-core', ...(ver && /^\d/.test(ver) ? { version: ver } : {}), seen });
      } else if (url.pathname.includes('/wp-includes/')) {
        out.push({ name: 'wordpress', ecosystem: 'wordpress-core', seen });
      } else if (JOOMLA_ASSET.test(url.pathname)) {
        out.push({ name: 'joomla', ecosystem: 'cms:joomla', seen });
      } else if (DRUPAL_CORE_ASSET.test(url.pathname)) {
        const v = url.searchParams.get('v') ?? undefined;
        out.push({ name: 'drupal', ecosystem: 'cms:drupal', ...(v && /^\d+\.\d+/.test(v) ? { version: v } : {}), seen });
      }
    }
    return out;
  },
};

/** Plugins' readme.txt and themes' style.css, asked for once the assets named the slugs. */
export const wordpressFilesReader: OutsideReader = {
  trust: 3,
  follow: (found, _responses, ctx) =>
    found.flatMap((c) => {
      const root = new URL('./', ctx.base);
      if (c.ecosystem === 'wordpress-plugin') return [new URL(`wp-content/plugins/${c.name}/readme.txt`, root).href];
      if (c.ecosystem === 'wordpress-theme') return [new URL(`wp-content/themes/${c.name}/style.css`, root).href];
      return [];
    }),
  read: (res) => {
    if (res.status !== 200) return [];
    const path = new URL(res.url).pathname;
    const plugin = /\/wp-content\/plugins\/([^/]+)\/readme\.txt$/i.exec(path);
    const seen = [{ source: plugin ? 'wp-plugin-readme' : 'wp-theme-style', at: res.url }];
    if (plugin) {
      const version = stableTag(text(res));
      return version ? [{ name: plugin[1]!.toLowerCase(), ecosystem: 'wordpress-plugin', version, seen }] : [];
    }
    const theme = /\/wp-content\/themes\/([^/]+)\/style\.css$/i.exec(path);
    const version = theme ? fileHeader(text(res), 'Version') : undefined;
    return theme && version ? [{ name: theme[1]!.toLowerCase(), ecosystem: 'wordpress-theme', version, seen }] : [];
  },
};

const isScript = (res: SiteResponse) => /javascript|ecmascript/i.test(firstHeader(res, 'content-type') ?? '') || /\.m?js$/i.test(new URL(res.url).pathname);

export const javascriptReader: OutsideReader = {
  trust: 2,
  follow: (_found, responses, ctx) => {
    // Scripts of the site's own origin are read for their banners; a CDN's URL already names the version.
    const own = responses.flatMap((r) => assetUrls(r)).filter((u) => u.origin === ctx.base.origin && /\.m?js$/i.test(u.pathname));
    return [...new Set(own.map((u) => u.href))].slice(0, MAX_SCRIPTS);
  },
  read: (res, ctx) => {
    const found = isScript(res) && res.status === 200 ? detect(ctx.retire, res.url, res.body) : assetUrls(res).flatMap((u) => detect(ctx.retire, u.href));
    return found.map((l) => ({ name: l.name, ecosystem: 'js-library' as const, version: l.version, seen: [{ source: 'retire.js', at: l.url }] }));
  },
};
