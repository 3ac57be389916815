import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Artifact, encodingFor, matches } from './artifact.js';

describe('status page artifacts', () => {
  it('keep gzip and brotli variants that decompress to the very bytes, each with its own strong ETag', async () => {
    const body = `<!doctype html><p>${'Åland — all systems operational. '.repeat(2_000)}</p>`;
    const artifact = new Artifact(body, 'text/html; charset=utf-8');
    const br = await artifact.representation('br');
    const gz = await artifact.representation('gzip');
    expect(brotliDecompressSync(br.bytes).equals(artifact.bytes)).toBe(true);
    expect(gunzipSync(gz.bytes).equals(artifact.bytes)).toBe(true);
    expect(br.bytes.length).toBeLessThan(artifact.bytes.length / 10);
    expect(new Set([artifact.etag, br.etag, gz.etag]).size).toBe(3);
    expect(artifact.ready('br')).toBe(br);
    expect(new Artifact(`${body} `, 'text/html').etag).not.toBe(artifact.etag);
    expect(new Artifact(body, 'text/html').etag).toBe(artifact.etag);
  });

  it('negotiates Accept-Encoding with its q-values: brotli, then gzip, else none', () => {
    expect(encodingFor(undefined)).toBe('identity');
    expect(encodingFor('')).toBe('identity');
    expect(encodingFor('gzip, deflate, br, zstd')).toBe('br');
    expect(encodingFor('gzip, deflate')).toBe('gzip');
    expect(encodingFor('br;q=0, gzip')).toBe('gzip');
    expect(encodingFor('br;q=0.5, gzip;q=0.8')).toBe('gzip');
    expect(encodingFor('deflate')).toBe('identity');
    expect(encodingFor('*')).toBe('br');
  });

  it('honours q=0 as a refusal, also of a coding that "*" would bring back, and reads codings case-insensitively', () => {
    expect(encodingFor('br;q=0, *')).toBe('gzip');
    expect(encodingFor('br;q=0, gzip;q=0, *')).toBe('identity');
    expect(encodingFor('*;q=0, gzip')).toBe('gzip');
    expect(encodingFor('gzip;q=0')).toBe('identity');
    expect(encodingFor('br; q=0.0, gzip; q=0.001')).toBe('gzip');
    expect(encodingFor('GZip, BR;q=0.9')).toBe('gzip');
    expect(encodingFor('gzip;q=1.0, br;q=1')).toBe('br');
    expect(encodingFor('identity, gzip;q=0.5')).toBe('identity');
    // Nothing acceptable at all: the bytes as they are (nginx does the same), never an error.
    expect(encodingFor('identity;q=0, *;q=0')).toBe('identity');
    for (const junk of [';;;,,', 'q=1', 'gzip;q=', 'br;q=abc', ',br', '\t']) expect(['br', 'gzip', 'identity']).toContain(encodingFor(junk));
    expect(encodingFor('br;q=abc')).toBe('identity');
  });

  it('matches If-None-Match lists, weak tags and "*"', () => {
    expect(matches('"a"', '"a"')).toBe(true);
    expect(matches('"b", W/"a"', '"a"')).toBe(true);
    expect(matches('*', '"a"')).toBe(true);
    expect(matches('"a-br"', '"a"')).toBe(false);
    expect(matches(undefined, '"a"')).toBe(false);
  });
});
