// The ceiling of bench/status-pages.bench.ts: a bare Node `http.createServer` in a process of its own,
// answering each variant with the very bytes and the very header list Upkeep sent for it, and nothing else.
// argv: a JSON file { keepAliveTimeout, routes: { "/<path>": { etag, ok, notModified, body } } } where `ok` and
// `notModified` are writeHead's flat header lists and `body` a file. A request whose If-None-Match is the
// path's ETag gets the 304. Prints the port it listens on (loopback).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const routes = new Map(Object.entries(spec.routes).map(([path, route]) => [path, { ...route, bytes: readFileSync(route.body) }]));
const server = createServer((req, res) => {
  const route = routes.get(req.url);
  if (!route) {
    res.writeHead(404).end();
  } else if (req.headers['if-none-match'] === route.etag) {
    res.writeHead(304, route.notModified);
    res.end();
  } else {
    res.writeHead(200, route.ok);
    res.end(route.bytes);
  }
});
// The same Keep-Alive header as Upkeep's (Node writes it from this).
server.keepAliveTimeout = spec.keepAliveTimeout;
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
