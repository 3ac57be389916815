import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The built single-page app: web/dist beside src/ and dist/ alike (both are two levels below the project root). */
export const webRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Paths the server answers itself (status pages too, also as rewritten from their custom domains); anything else that is not a file is a page of the app. */
const serverPaths = /^\/(api|ping|ack|metrics|healthz|readyz|status|badge)(\/|$)/;

/**
 * Serves the dashboard at `/`: hashed assets cached for a year, index.html never cached (so a new
 * build is picked up at once), and index.html for every other GET so the app's own paths
 * (/sites/3, /setup) load on reload. Without a build, `/` says how to make one.
 */
export async function dashboardStatic(app: FastifyInstance, root = webRoot): Promise<void> {
  const built = existsSync(join(root, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root,
      wildcard: false,
      index: false,
      serve: true,
      cacheControl: false,
      setHeaders: (res, path) => {
        res.setHeader('cache-control', path.includes(`${join(root, 'assets')}/`) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (serverPaths.test(path) || /\.[a-z0-9]+$/i.test(path)) return reply.callNotFound();
    if (!built)
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send('The dashboard is not built: run "npm run build" (npm ci and npm start do it), then reload.\nThe API is at /api/v1.');
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
