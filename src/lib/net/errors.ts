import { AppError, type ErrorCode } from '../errors.js';

/**
 * What went wrong on the way to a target, as a machine-readable word. Checks store it, status pages
 * group by it, and the docs (docs/network-safety.md) explain each one to users.
 */
export type NetErrorKind =
  | 'invalid_url'
  | 'blocked_scheme'
  | 'blocked_address'
  | 'dns_nxdomain'
  | 'dns_nodata'
  | 'dns_servfail'
  | 'dns_timeout'
  | 'refused'
  | 'unreachable'
  | 'reset'
  | 'timeout'
  | 'aborted'
  | 'tls_expired'
  | 'tls_self_signed'
  | 'tls_hostname'
  | 'tls_untrusted'
  | 'tls_protocol'
  | 'too_many_redirects'
  | 'headers_too_large'
  | 'decompression_limit'
  | 'protocol_error';

// A NetError that escapes to the HTTP API or the CLI (a "test this URL" button, `upkeep check`) must
// still map to a sensible status and exit code, so every kind belongs to one AppError code.
const appCodeOf: Record<NetErrorKind, ErrorCode> = {
  invalid_url: 'invalid_input',
  blocked_scheme: 'invalid_input',
  blocked_address: 'forbidden',
  dns_nxdomain: 'unavailable',
  dns_nodata: 'unavailable',
  dns_servfail: 'unavailable',
  dns_timeout: 'unavailable',
  refused: 'unavailable',
  unreachable: 'unavailable',
  reset: 'unavailable',
  timeout: 'unavailable',
  aborted: 'unavailable',
  tls_expired: 'unavailable',
  tls_self_signed: 'unavailable',
  tls_hostname: 'unavailable',
  tls_untrusted: 'unavailable',
  tls_protocol: 'unavailable',
  too_many_redirects: 'unavailable',
  headers_too_large: 'unavailable',
  decompression_limit: 'unavailable',
  protocol_error: 'unavailable',
};

/**
 * A failure of the guarded network client. It extends AppError (rather than sitting beside it) so the
 * edges that already map AppError codes to HTTP statuses and exit codes need no second path, while
 * `kind` keeps the finer, network-specific reason that monitoring records.
 *
 * @example throw new NetError('refused', 'connection refused by 127.0.0.1:8081')
 */
export class NetError extends AppError {
  readonly kind: NetErrorKind;

  constructor(kind: NetErrorKind, message: string, options: { cause?: unknown } = {}) {
    super(appCodeOf[kind], message, options);
    this.name = 'NetError';
    this.kind = kind;
  }
}

export function isNetError(err: unknown): err is NetError {
  return err instanceof NetError;
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * Turns what node, undici or OpenSSL threw into a NetError. `target` names the peer for the message
 * ("127.0.0.1:8081" or "example.com (93.184.215.14:443)"); a NetError passes through unchanged.
 */
export function toNetError(err: unknown, target: string): NetError {
  if (err instanceof NetError) return err;
  const code = codeOf(err);
  const detail = err instanceof Error ? err.message : String(err);
  const opts = { cause: err };
  switch (code) {
    case 'ECONNREFUSED':
      return new NetError('refused', `connection refused by ${target}`, opts);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return new NetError('unreachable', `no route to ${target} (${code})`, opts);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_DESTROYED':
    case 'UND_ERR_CLOSED':
      return new NetError('reset', `connection to ${target} was closed before the exchange was complete`, opts);
    case 'ETIMEDOUT':
      return new NetError('timeout', `connection to ${target} timed out in the operating system`, opts);
    case 'UND_ERR_HEADERS_OVERFLOW':
    case 'HPE_HEADER_OVERFLOW':
      return new NetError('headers_too_large', `response headers from ${target} exceed the size limit`, opts);
  }
  if ((err as Error | null)?.name === 'HTTPParserError' || code.startsWith('HPE_') || code.startsWith('UND_ERR_')) {
    // undici says "Response does not match the HTTP/1.1 protocol (Invalid character in chunk size)".
    const reason = /\((.+)\)$/.exec(detail)?.[1] ?? detail;
    return new NetError('protocol_error', `${target} did not answer with valid HTTP/1.1: ${reason}`, opts);
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return new NetError('tls_protocol', `TLS handshake with ${target} failed (${detail})`, opts);
  }
  return new NetError('protocol_error', `talking to ${target} failed: ${detail}${code ? ` (${code})` : ''}`, opts);
}
