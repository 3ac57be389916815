import { httpRequest, type HttpRequestOptions } from './http.js';

/**
 * A `fetch` for libraries that take one (OpenID Connect discovery and token requests): the same
 * guarded client underneath, so their requests follow the same address rules, deadline and caps.
 * Redirects are not followed (the libraries that pass a fetch handle them themselves).
 */
export function guardedFetch(options: Pick<HttpRequestOptions, 'policy' | 'resolver' | 'deadlineMs' | 'tls'>) {
  return async (
    url: string,
    init: {
      method?: string;
      headers?: ConstructorParameters<typeof Headers>[0];
      body?: ConstructorParameters<typeof Response>[0];
      signal?: AbortSignal | null;
    } = {},
  ): Promise<Response> => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const body =
      init.body === undefined || init.body === null
        ? undefined
        : typeof init.body === 'string'
          ? init.body
          : init.body instanceof URLSearchParams
            ? init.body.toString()
            : Buffer.from(await new Response(init.body).arrayBuffer());
    const res = await httpRequest(url, {
      ...options,
      method: init.method ?? 'GET',
      headers,
      maxRedirects: 0,
      ...(body === undefined ? {} : { body }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
    // Decoded already: the encoding header would make a reader decode twice.
    out.delete('content-encoding');
    out.delete('content-length');
    return new Response([101, 204, 205, 304].includes(res.status) ? null : res.body, { status: res.status, headers: out });
  };
}
