#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm install` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('upkeep: the compiled CLI is missing; run `npm install` (or `npm run build`) in the project folder first\n');
  process.exit(2);
}
await import(main);
