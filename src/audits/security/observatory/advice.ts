/** What each penalised Observatory result means to a site owner, and what to change. Our own words. */
export const ADVICE: Record<string, { title: string; fix: string }> = {
  'csp-not-implemented': {
    title: 'No Content Security Policy',
    fix: "Send a Content-Security-Policy header, starting from default-src 'self'; object-src 'none'; frame-ancestors 'self', and widen it only where the site needs to.",
  },
  'csp-not-implemented-but-reporting-enabled': {
    title: 'Content Security Policy is only reported, not enforced',
    fix: 'Once the reports are clean, send the same policy as Content-Security-Policy instead of Content-Security-Policy-Report-Only.',
  },
  'csp-header-invalid': {
    title: 'Content Security Policy cannot be parsed',
    fix: "Fix the policy's syntax: one directive once per policy, sources separated by spaces, directives by semicolons; 'strict-dynamic' needs a nonce or hash.",
  },
  'csp-implemented-with-unsafe-inline': {
    title: 'Content Security Policy allows inline scripts or any script source',
    fix: "Remove 'unsafe-inline' and data: from script-src (use nonces or hashes), and set script-src and object-src to specific sources.",
  },
  'csp-implemented-with-insecure-scheme': {
    title: 'Content Security Policy allows loading resources over plain HTTP',
    fix: 'Replace http: sources in the policy with their https: form.',
  },
  'csp-implemented-with-unsafe-eval': {
    title: "Content Security Policy allows 'unsafe-eval'",
    fix: "Stop using eval() and new Function() in the site's scripts, then remove 'unsafe-eval' from the policy.",
  },
  'csp-implemented-with-insecure-scheme-in-passive-content-only': {
    title: 'Content Security Policy allows images or media over plain HTTP',
    fix: 'Serve images and media over HTTPS and drop http: from img-src and media-src.',
  },
  'cookies-without-secure-flag': {
    title: 'Cookies are sent without the Secure flag',
    fix: 'Add Secure to every Set-Cookie header and serve the site over HTTPS only (with HSTS).',
  },
  'cookies-without-secure-flag-but-protected-by-hsts': {
    title: 'Cookies lack the Secure flag (HSTS limits the risk)',
    fix: 'Add Secure to every Set-Cookie header.',
  },
  'cookies-session-without-secure-flag': {
    title: 'Session cookie is sent without the Secure flag',
    fix: 'Add Secure to the session cookie so it never travels over plain HTTP, and enable HSTS.',
  },
  'cookies-session-without-secure-flag-but-protected-by-hsts': {
    title: 'Session cookie lacks the Secure flag (HSTS limits the risk)',
    fix: 'Add Secure to the session cookie.',
  },
  'cookies-session-without-httponly-flag': {
    title: 'Session cookie is readable by scripts (no HttpOnly)',
    fix: 'Add HttpOnly to the session cookie, so an injected script cannot steal the session.',
  },
  'cookies-samesite-flag-invalid': {
    title: 'Cookie has an invalid SameSite attribute',
    fix: 'Use SameSite=Lax or SameSite=Strict; SameSite=None needs Secure.',
  },
  'cookies-anticsrf-without-samesite-flag': {
    title: 'Anti-CSRF cookie without SameSite',
    fix: 'Add SameSite=Strict (or Lax) to the anti-CSRF cookie.',
  },
  'cross-origin-resource-sharing-implemented-with-universal-access': {
    title: 'Any website can read responses with the visitor’s credentials (CORS)',
    fix: 'Do not reflect the Origin header together with Access-Control-Allow-Credentials: true; allow only the origins that need access.',
  },
  'redirection-missing': {
    title: 'Plain HTTP does not redirect to HTTPS',
    fix: 'Answer every http:// request with a 301 redirect to the same URL on https:// of the same host.',
  },
  'redirection-not-to-https': {
    title: 'Redirects end on a plain HTTP page',
    fix: 'Make the redirect chain from http:// end on an https:// URL.',
  },
  'redirection-not-to-https-on-initial-redirection': {
    title: 'First redirect from HTTP goes to another HTTP URL',
    fix: 'Redirect http:// first to https:// on the same host, then wherever else is needed.',
  },
  'redirection-off-host-from-http': {
    title: 'HTTP redirects to HTTPS on another host',
    fix: 'Redirect http://host/ to https://host/ first (so HSTS is set for this host), then on to the other host.',
  },
  'redirection-invalid-cert': {
    title: 'A redirect passes through a certificate that does not verify',
    fix: 'Install a valid certificate on every host in the redirect chain.',
  },
  'referrer-policy-unsafe': {
    title: 'Referrer-Policy leaks full addresses to other sites',
    fix: 'Set Referrer-Policy: strict-origin-when-cross-origin (or stricter).',
  },
  'referrer-policy-header-invalid': {
    title: 'Referrer-Policy is not understood by browsers',
    fix: 'Set Referrer-Policy: strict-origin-when-cross-origin.',
  },
  'hsts-not-implemented': {
    title: 'No HTTP Strict Transport Security (HSTS)',
    fix: 'Send Strict-Transport-Security: max-age=31536000 (start lower while testing) on HTTPS responses.',
  },
  'hsts-header-invalid': {
    title: 'Strict-Transport-Security header is not valid',
    fix: 'Send exactly one header with a max-age: Strict-Transport-Security: max-age=31536000.',
  },
  'hsts-implemented-max-age-less-than-six-months': {
    title: 'HSTS max-age is shorter than six months',
    fix: 'Raise max-age to at least 15552000 (six months); a year is usual.',
  },
  'hsts-not-implemented-no-https': {
    title: 'The site is not available over HTTPS',
    fix: "Serve the site over HTTPS (Let's Encrypt certificates are free), then redirect HTTP to it and send HSTS.",
  },
  'hsts-invalid-cert': {
    title: 'HSTS cannot work: the certificate does not verify',
    fix: 'Install a certificate that browsers trust for this host name.',
  },
  'sri-not-implemented-but-external-scripts-loaded-securely': {
    title: 'Scripts from other sites load without Subresource Integrity',
    fix: 'Add integrity="sha384-…" and crossorigin="anonymous" to script tags that load from other sites, or host the files yourself.',
  },
  'sri-implemented-but-external-scripts-not-loaded-securely': {
    title: 'Scripts from other sites load over plain HTTP',
    fix: 'Load every external script over https://.',
  },
  'sri-not-implemented-and-external-scripts-not-loaded-securely': {
    title: 'Scripts from other sites load over plain HTTP without integrity checks',
    fix: 'Load external scripts over https:// and add integrity attributes, or host them yourself.',
  },
  'x-content-type-options-not-implemented': {
    title: 'No X-Content-Type-Options header',
    fix: 'Send X-Content-Type-Options: nosniff.',
  },
  'x-content-type-options-header-invalid': {
    title: 'X-Content-Type-Options is not "nosniff"',
    fix: 'Send X-Content-Type-Options: nosniff.',
  },
  'x-frame-options-not-implemented': {
    title: 'The site can be framed by any other site (clickjacking)',
    fix: "Send Content-Security-Policy: frame-ancestors 'self' (and X-Frame-Options: SAMEORIGIN for old browsers).",
  },
  'x-frame-options-header-invalid': {
    title: 'X-Frame-Options is not understood by browsers',
    fix: "Use X-Frame-Options: DENY or SAMEORIGIN, or CSP frame-ancestors 'self'.",
  },
  'corp-header-invalid': {
    title: 'Cross-Origin-Resource-Policy is not understood by browsers',
    fix: 'Use same-origin, same-site or cross-origin.',
  },
  'coop-header-invalid': {
    title: 'Cross-Origin-Opener-Policy is not understood by browsers',
    fix: 'Send one header with same-origin, same-origin-allow-popups, noopener-allow-popups or unsafe-none.',
  },
  'coep-header-invalid': {
    title: 'Cross-Origin-Embedder-Policy is not understood by browsers',
    fix: 'Send one header with require-corp, credentialless or unsafe-none.',
  },
  'html-not-parseable': { title: 'The page claims to be HTML but cannot be parsed', fix: 'Serve valid HTML.' },
};
