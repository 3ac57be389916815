import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWhen } from '../backups/support/tools.js';
import { inventoryOverSsh } from '../../src/updates/ssh/inventory.js';
import type { SshTarget } from '../../src/updates/ssh/target.js';
import { PLUGIN, startWordPress, wordpressNeeds, wordpressReady, type WordPress } from './support/wordpress.js';

describeWhen(wordpressReady, wordpressNeeds, 'updates on a real WordPress (Debian package, php -S, MariaDB, sshd)', () => {
  let dir: string;
  let wp: WordPress;
  let target: SshTarget;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'upkeep-wp-'));
    wp = await startWordPress(dir);
    target = {
      host: '127.0.0.1',
      port: wp.sshd.port,
      username: wp.sshd.user,
      privateKeyPath: wp.sshd.key,
      knownHostsFile: join(dir, 'known_hosts'),
      root: wp.root,
    };
  }, 120_000);

  afterAll(async () => {
    await wp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists core, plugins and themes over SSH with the versions WordPress itself reports', async () => {
    const truth = wp.installed();
    const inventory = await inventoryOverSsh(target);
    const versions = (ecosystem: string) =>
      Object.fromEntries(inventory.components.filter((c) => c.ecosystem === ecosystem).map((c) => [c.name, c.version]));
    expect(truth.plugins[PLUGIN]).toBe('1.0');
    expect(versions('wordpress-core')).toEqual({ wordpress: truth.core });
    expect(versions('wordpress-plugin')).toEqual(truth.plugins);
    expect(versions('wordpress-theme')).toEqual(truth.themes);
    expect(inventory.components.find((c) => c.ecosystem === 'runtime:php')?.version).toMatch(/^8\.\d+\.\d+$/);
    expect(inventory.problems).toEqual([]);
  }, 60_000);
});
