import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/databases.js';

const secret = { UPKEEP_WEBHOOK_SECRET: 'a-secret-of-enough-length' };
const dir = tempDir();
afterAll(() => dir.cleanup());

// Each test starts the real CLI several times; on a loaded 2-core machine one start can take seconds.
describe('upkeep CLI', { timeout: 120_000 }, () => {
  it('validates the bundled example', async () => {
    const res = await runCli(['validate', '--config', 'examples/upkeep.yaml'], { env: secret });
    expect(res.stdout).toContain('examples/upkeep.yaml is valid: 1 site(s), 3 monitor(s), 1 channel(s)');
    expect(res.code).toBe(0);
  });

  it('points at file, line, column and field of a bad value, and exits 2', async () => {
    const bad = join(dir.path, 'upkeep.yaml');
    writeFileSync(bad, readFileSync('examples/upkeep.yaml', 'utf8').replace('interval: 60s', 'interval: fast'));
    const res = await runCli(['validate', '--config', bad], { env: secret });
    expect(res.stderr).toContain(`${bad}:9:19 sites[0].monitors[0].interval: expected a duration like "30s" or "5m", got "fast"`);
    expect(res.code).toBe(2);
  });

  it('names the variable a ${VAR} reference needs', async () => {
    const res = await runCli(['validate', '--config', 'examples/upkeep.yaml']);
    expect(res.stderr).toContain('examples/upkeep.yaml:27:13 channels[0].secret: environment variable UPKEEP_WEBHOOK_SECRET is not set');
    expect(res.code).toBe(2);
  });

  it('says so when the config file is missing', async () => {
    const res = await runCli(['validate', '--config', join(dir.path, 'nope.yaml')]);
    expect(res.stderr).toMatch(/config file .*nope\.yaml does not exist/);
    expect(res.code).toBe(2);
  });

  it('applies, re-applies with no changes, exports, and applies the export with no changes', async () => {
    const data = join(dir.path, 'data');
    const first = await runCli(['apply', '--config', 'examples/upkeep.yaml', '--data-dir', data], { env: secret });
    expect(first.stdout).toContain('Applied: 5 to create, 0 to update, 0 to delete');
    const dry = await runCli(['apply', '--dry-run', '--config', 'examples/upkeep.yaml', '--data-dir', data], { env: secret });
    expect(dry.stdout).toContain('No changes');
    const exported = await runCli(['export', '--data-dir', data, '--output', join(dir.path, 'export.yaml')]);
    expect(exported.code).toBe(0);
    const again = await runCli(['apply', '--config', join(dir.path, 'export.yaml'), '--data-dir', data], { env: secret });
    expect(again.stdout).toContain('No changes');
  });

  it('prints a JSON Schema that editors can use', async () => {
    const res = await runCli(['schema']);
    const schema = JSON.parse(res.stdout);
    expect(schema.$schema).toContain('json-schema.org');
    expect(
      schema.properties.sites.items.properties.monitors.items.oneOf.map((o: { properties: { type: { const: string } } }) => o.properties.type.const),
    ).toEqual(['http', 'tcp', 'dns', 'tls', 'domain', 'heartbeat']);
  });

  it('makes a token once, lists it without the secret part, and revokes it', async () => {
    const data = join(dir.path, 'tokens');
    const made = await runCli(['token', 'create', '--name', 'ci', '--scope', 'write', '--data-dir', data]);
    const token = made.stdout.trim();
    expect(token).toMatch(/^upk_[\w-]{40,}$/);
    const list = await runCli(['token', 'list', '--data-dir', data]);
    expect(list.stdout).toContain('write\tci\tactive');
    expect(list.stdout).not.toContain(token);
    expect((await runCli(['token', 'revoke', '1', '--data-dir', data])).stdout).toContain('token 1 revoked');
    const bad = await runCli(['token', 'create', '--name', 'x', '--scope', 'admin', '--data-dir', data]);
    expect(bad.stderr).toContain('Allowed choices are read, write');
    expect(bad.code).toBe(2);
  });

  it('creates a user with the password from standard input', async () => {
    const data = join(dir.path, 'users');
    const res = await runCli(['user', 'create', '--email', 'Ops@Example.com', '--role', 'owner', '--data-dir', data], { input: 'a long enough password\n' });
    expect(res.stdout).toContain('user ops@example.com (owner) created');
    const short = await runCli(['user', 'create', '--email', 'x@example.com', '--data-dir', data], { input: 'short\n' });
    expect(short.stderr).toContain('password: a password is at least 12 characters');
    expect(short.code).toBe(2);
  });

  it('checks a URL once: a table for people, JSON for scripts, exit 1 when down', async () => {
    const target = createServer((_req, res) => res.end('<h1>Add to cart</h1>'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/`;
    try {
      const refused = await runCli(['check', url]);
      expect(refused.stdout).toMatch(/^DOWN {2}http:\/\/127\.0\.0\.1:\d+\/\n {2}result {7}refused 127\.0\.0\.1: loopback addresses are blocked/);
      expect(refused.code).toBe(1);
      const up = await runCli(['check', url, '--allow-private', '--contains', 'Add to cart']);
      expect(up.stdout).toMatch(/^UP {2}http/);
      expect(up.stdout).toMatch(/ttfb +\d+ ms/);
      expect(up.code).toBe(0);
      const json = await runCli(['check', url, '--allow-private', '--contains', 'Checkout', '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({
        status: 'down',
        message: expect.stringContaining('keyword "Checkout" not found'),
        statusCode: 200,
        timings: { total: expect.any(Number) },
        tls: null,
      });
      expect(json.code).toBe(1);
      const bad = await runCli(['check', 'not a target']);
      expect(bad.stderr).toContain('expected a URL like https://example.com/ or host:port');
      expect(bad.code).toBe(2);
    } finally {
      target.close();
    }
  });

  it('has help with examples on every command', async () => {
    const commands = [
      ['start'],
      ['check', 'x'],
      ['validate'],
      ['apply'],
      ['export'],
      ['schema'],
      ['migrate'],
      ['token', 'create'],
      ['user', 'create'],
      ['inventory', 'x'],
      ['import', 'kuma'],
      ['import', 'healthchecks'],
      ['import', 'gatus'],
      ['report'],
      ['updates', 'plan'],
      ['updates', 'run'],
      ['cluster', 'status'],
      ['probe'],
    ];
    const answers = await Promise.all(commands.map((cmd) => runCli([...cmd, '--help'])));
    answers.forEach((res, i) => {
      expect(res.stdout, commands[i]!.join(' ')).toContain('Examples:');
      expect(res.code).toBe(0);
    });
  });
});
