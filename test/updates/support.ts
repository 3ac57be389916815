import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpServer, type TestServer } from '../fixtures/servers.js';
import { createResolver, guardedFetch } from '../../src/lib/net/index.js';
import type { SourceFetch } from '../../src/updates/sources/index.js';

/** The guarded client, allowed onto loopback: sources under test reach their stand-ins the way they reach the real services. */
export const loopbackFetch: SourceFetch = guardedFetch({
  policy: { allowPrivate: true },
  resolver: createResolver({ timeoutMs: 2_000, tries: 1 }),
  deadlineMs: 15_000,
});

export interface Recorded {
  method: string;
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
}

type Answer = { status?: number; json?: unknown; text?: string; type?: string; headers?: Record<string, string | string[]> };

/**
 * A loopback stand-in for a public service: `answer` maps a request to its documented answer
 * (undefined → 404). Every request is recorded, so a test can say what was asked.
 */
export async function startService(answer: (req: Recorded) => Answer | undefined): Promise<TestServer & { requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const recorded = { method: req.method ?? 'GET', path: req.url ?? '/', body, headers: req.headers };
      requests.push(recorded);
      const a = answer(recorded) ?? { status: 404, json: { error: 'not found' } };
      const payload = a.json !== undefined ? JSON.stringify(a.json) : (a.text ?? '');
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? (a.json !== undefined ? 'application/json' : 'text/plain; charset=utf-8'), ...a.headers });
      res.end(payload);
    });
  });
  return Object.assign(server, { requests });
}

const OLD_JQUERY =
  '/*! jQuery v1.12.4 | (c) jQuery Foundation | jquery.org/license */\n!function(a,b){"object"==typeof module?module.exports=a.document?b(a,!0):function(){}:b(a)}(window,function(){return{jquery:"1.12.4"}});\n';

/**
 * A WordPress site as visitors see it, on loopback: WordPress 6.1.1 (generator tag, feed,
 * core stylesheet), the Contact Form 7 plugin and the Twenty Twenty-Two theme with their own
 * files, the jQuery 1.12.4 WordPress bundled then, served by nginx 1.18.0 with PHP 7.4.33.
 */
export function startWordPressSite(): Promise<TestServer & { requests: Recorded[] }> {
  const page = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fixture shop &#8211; Just another WordPress site</title>
<link rel="alternate" type="application/rss+xml" title="Fixture shop &raquo; Feed" href="/feed/" />
<link rel="stylesheet" id="wp-block-library-css" href="/wp-includes/css/dist/block-library/style.min.css?ver=6.1.1" media="all" />
<link rel="stylesheet" id="contact-form-7-css" href="/wp-content/plugins/contact-form-7/includes/css/styles.css?ver=5.7.2" media="all" />
<link rel="stylesheet" id="twentytwentytwo-style-css" href="/wp-content/themes/twentytwentytwo/style.css?ver=1.3" media="all" />
<script src="/wp-includes/js/jquery/jquery.min.js?ver=3.6.1" id="jquery-core-js"></script>
<link rel="https://api.w.org/" href="/wp-json/" />
<meta name="generator" content="WordPress 6.1.1" />
</head>
<body class="home blog">
<h1>Fixture shop</h1>
<p>Hello world!</p>
<script src="/wp-content/plugins/contact-form-7/includes/swv/js/index.js?ver=5.7.2" id="swv-js"></script>
</body>
</html>`;
  const feed = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Fixture shop</title><link>/</link>
<lastBuildDate>Mon, 05 Dec 2022 10:00:00 +0000</lastBuildDate><language>en-US</language>
<generator>https://wordpress.org/?v=6.1.1</generator>
<item><title>Hello world!</title></item></channel></rss>`;
  const headers = { server: 'nginx/1.18.0', 'x-powered-by': 'PHP/7.4.33' };
  return startService((req) => {
    const path = req.path.split('?')[0];
    switch (path) {
      case '/':
        return { type: 'text/html; charset=UTF-8', text: page, headers: { ...headers, link: '</wp-json/>; rel="https://api.w.org/"' } };
      case '/feed/':
        return { type: 'application/rss+xml; charset=UTF-8', text: feed, headers };
      case '/wp-includes/js/jquery/jquery.min.js':
        // WordPress 6.1 shipped jQuery 3.6.1; this site replaced it with an old copy, as some themes still do.
        return { type: 'application/javascript', text: OLD_JQUERY, headers };
      case '/wp-content/plugins/contact-form-7/readme.txt':
        return {
          text: '=== Contact Form 7 ===\nContributors: takayukister\nTags: contact, form\nRequires at least: 6.0\nTested up to: 6.1\nStable tag: 5.7.2\nLicense: GPLv2\n',
          headers,
        };
      case '/wp-content/themes/twentytwentytwo/style.css':
        return { type: 'text/css', text: '/*\nTheme Name: Twenty Twenty-Two\nAuthor: the WordPress team\nVersion: 1.3\nRequires PHP: 5.6\n*/\n', headers };
      case '/wp-content/plugins/contact-form-7/includes/swv/js/index.js':
        return { type: 'application/javascript', text: '(()=>{"use strict";})();\n', headers };
      default:
        return { status: 404, type: 'text/html', text: '<h1>Not found</h1>', headers };
    }
  });
}
