import { z } from 'zod';
import { expect, it } from 'vitest';
import { fetchJson } from './http.js';

it('names a failing source without the credentials or token its URL carries', async () => {
  const url = 'https://mirror-user:mirror-secret@mirror.example/v1/feed?token=feed-token';
  const answer = (status: number, body: string) => () => Promise.resolve(new Response(body, { status }));
  for (const [fetch, said] of [
    [answer(401, ''), 'answered HTTP 401'],
    [answer(200, 'not json'), 'did not answer JSON'],
    [answer(200, '{"x":1}'), 'answered an unexpected shape'],
  ] as const) {
    const err = (await fetchJson(fetch, url, z.object({ y: z.number() })).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(`https://mirror.example/v1/feed ${said}`);
    expect(err.message).not.toMatch(/mirror-user|mirror-secret|feed-token/);
  }
});
