import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config-file.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/databases.js';

describe('cluster: in upkeep.yaml', () => {
  const dir = tempDir();
  afterAll(() => dir.cleanup());

  it('is off by default, with a 15 s lease', () => {
    expect(parseConfig('{}', 'upkeep.yaml').config.cluster).toEqual({ enabled: false, leaseSeconds: 15 });
  });

  it('names a wrong node id or lease at its line', () => {
    expect(() => parseConfig('cluster:\n  enabled: true\n  nodeId: "node one"\n', 'upkeep.yaml')).toThrow(
      /^upkeep\.yaml:3:\d+ cluster\.nodeId: expected a node name/,
    );
    expect(() => parseConfig('cluster:\n  enabled: true\n  leaseSeconds: 1\n', 'upkeep.yaml')).toThrow(/^upkeep\.yaml:3:\d+ cluster\.leaseSeconds: /);
  });

  it('is refused on SQLite with a clear error, before anything starts', async () => {
    const file = join(dir.path, 'upkeep.yaml');
    writeFileSync(file, 'cluster: { enabled: true, nodeId: a }\n');
    const result = await runCli(['start', '--port', '0', '--config', file, '--data-dir', dir.path]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('upkeep: cluster.enabled needs PostgreSQL (set UPKEEP_DATABASE_URL=postgres://…)');
    expect(result.stderr).not.toMatch(/ at .*\.ts:\d+/);
  }, 120_000);
});
