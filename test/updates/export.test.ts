import { describe, expect, it } from 'vitest';
import { config, openTestCore } from '../support/core.js';
import { createTestDatabase, dialects } from '../support/databases.js';

const env = { UPKEEP_WEBHOOK_SECRET: 'a-test-secret-long-enough', SHOP_SSH_PASSWORD: 'ssh-pass-from-env', WORDFENCE_TOKEN: 'wf-token-from-env' };

/** All three parts of `updates:`: where sites are updated (one SSH password in clear, one from a variable), the knowledge settings, a policy. */
const yaml = `
sites:
  - { name: Shop, tags: [client] }
  - { name: Blog }
updates:
  sites:
    - site: Shop
      ssh: { host: web1.example.test, port: 2222, username: deploy, password: "\${SHOP_SSH_PASSWORD}", hostKeySha256: "SHA256:abc", root: /var/www/shop }
      pages: [{ url: "https://shop.example.test/", contains: Add to cart, maskSelectors: [".carousel"] }]
      rollback: { kind: command, command: "git checkout -- ." }
      policy: clients
      wordpress: files
      inventory: 12h
      stepTimeout: 30m
    - site: Blog
      ssh: { host: web2.example.test, username: blog, password: "clear-ssh-password", root: /srv/blog }
      pages: [{ url: "https://blog.example.test/" }]
      rollback: { kind: command, command: "true" }
  knowledge:
    refresh: 12h
    sources:
      osv: { baseUrl: https://osv.mirror.example.test }
      wordfence: { token: "\${WORDFENCE_TOKEN}" }
      packagist: false
  policies:
    - { name: clients, tags: [client], updates: [security, patch, minor], minReleaseAge: 3d }
`;

describe.each(dialects)('export of updates: on $dialect', ({ dialect, skip }) => {
  it.skipIf(skip)(
    'writes updates.sites and updates.knowledge back with the policies: apply, export, apply elsewhere, export again is identical',
    async () => {
      const first = await createTestDatabase(dialect);
      const core = await openTestCore(first);
      const second = await createTestDatabase(dialect);
      const other = await openTestCore(second);
      try {
        const plan = await core.sync.apply(config(yaml, env), { dryRun: false });
        const exported = await core.exportConfig({ includeSecrets: false });
        const written = config(exported.yaml, { ...env, UPKEEP_SECRET_UPDATES_SITES_1_SSH_PASSWORD: 'clear-ssh-password' }).config.updates;
        const original = config(yaml, env).config.updates;
        // Every part comes back as it was applied: the same sites, knowledge settings and policies.
        expect(written.sites).toEqual(original.sites);
        expect(written.knowledge).toEqual(original.knowledge);
        expect(written.policies).toEqual(original.policies);
        expect(plan.items.map((i) => `${i.action} ${i.kind} ${i.key}`)).toContain('create updates updates');
        // Secrets: a variable stays a variable; one written in clear becomes a variable, never clear text.
        expect(exported.yaml).toContain('password: ${SHOP_SSH_PASSWORD}');
        expect(exported.yaml).toContain('token: ${WORDFENCE_TOKEN}');
        expect(exported.yaml).toContain('password: ${UPKEEP_SECRET_UPDATES_SITES_1_SSH_PASSWORD}');
        expect(exported.secretVariables.map((v) => v.name)).toEqual(['UPKEEP_SECRET_UPDATES_SITES_1_SSH_PASSWORD']);
        expect(exported.yaml).not.toMatch(/ssh-pass-from-env|wf-token-from-env|clear-ssh-password/);
        // In clear only when asked for.
        expect((await core.exportConfig({ includeSecrets: true })).yaml).toContain('clear-ssh-password');

        const envAgain = { ...env, UPKEEP_SECRET_UPDATES_SITES_1_SSH_PASSWORD: 'clear-ssh-password' };
        await other.sync.apply(config(exported.yaml, envAgain), { dryRun: false });
        expect((await other.exportConfig({ includeSecrets: false })).yaml).toBe(exported.yaml);
        // Applied again, the export changes nothing.
        expect((await other.sync.apply(config(exported.yaml, envAgain), { dryRun: true })).items).toEqual([]);

        // A changed site is an update with what changed; a file without sites or knowledge settings drops them.
        const changed = await core.sync.apply(config(yaml.replace('inventory: 12h', 'inventory: 24h'), env), { dryRun: false });
        expect(changed.items.find((i) => i.kind === 'updates')).toMatchObject({ action: 'update', changes: [expect.stringContaining('sites.0.inventory')] });
        const without = yaml.slice(0, yaml.indexOf('  sites:\n    - site: Shop')) + yaml.slice(yaml.indexOf('  policies:'));
        const dropped = await core.sync.apply(config(without, env), { dryRun: false });
        expect(dropped.items.map((i) => `${i.action} ${i.kind} ${i.key}`)).toContain('delete updates updates');
        expect((await core.exportConfig({ includeSecrets: false })).yaml).not.toMatch(/knowledge:|ssh:/);
      } finally {
        await core.close();
        await other.close();
        await first.cleanup();
        await second.cleanup();
      }
    },
    60_000,
  );
});
