import type { FastifyReply } from 'fastify';

/** A script that other sites' pages load (`<script src>`): cached for an hour, and allowed across origins. */
export function sendEmbedScript(reply: FastifyReply, script: string): FastifyReply {
  return reply
    .type('text/javascript; charset=utf-8')
    .header('cache-control', 'public, max-age=3600')
    .header('cross-origin-resource-policy', 'cross-origin')
    .send(script);
}
