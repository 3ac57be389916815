import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { mergeSecrets, SecretBox, splitSecrets } from './secrets.js';

describe('secrets', () => {
  it('seals and opens, and refuses another key', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal({ 'auth.password': 'hunter2' });
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed)).toEqual({ 'auth.password': 'hunter2' });
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow(/cannot be opened/);
  });

  it('splits secret fields out by path and merges them back', () => {
    const spec = { url: 'https://x.test/', auth: { type: 'basic', username: 'u', password: 'p' }, headers: { Authorization: 'Bearer t', Accept: 'text/html' } };
    const isSecret = (p: readonly string[]) => (p[0] === 'auth' && p[1] === 'password') || (p[0] === 'headers' && p[1] === 'Authorization');
    const { plain, secrets } = splitSecrets(spec, isSecret);
    expect(JSON.stringify(plain)).not.toMatch(/Bearer t|"p"/);
    expect(secrets).toEqual({ 'auth.password': 'p', 'headers.Authorization': 'Bearer t' });
    expect(mergeSecrets(plain, secrets)).toEqual(spec);
    expect(mergeSecrets(plain, secrets, '********').auth.password).toBe('********');
  });
});
