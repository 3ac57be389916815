import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import { startHttpServer, type TestServer } from '../../fixtures/servers.js';
import { mysqlReady, mysqlSourceDatabase, type DatabaseSettings } from '../../backups/support/databases.js';
import { sshReady, startSshd, type Sshd } from '../../backups/support/sshd.js';
import { hasCommand } from '../../backups/support/tools.js';
import { manifest } from '../../backups/support/tree-fixture.js';

/** Debian's WordPress, unpacked by .ci/run (the package itself would pull in Apache); an installed package works too. */
export const wordpressSource = [process.env.UPKEEP_TEST_WORDPRESS, '/opt/upkeep-test/wordpress/usr/share/wordpress', '/usr/share/wordpress'].find(
  (dir) => dir !== undefined && existsSync(join(dir, 'wp-includes', 'version.php')),
);
const phpHasMysqli = hasCommand('php', ['-v']) && spawnSync('php', ['-m'], { encoding: 'utf8' }).stdout.split('\n').includes('mysqli');
export const wordpressReady = wordpressSource !== undefined && phpHasMysqli && mysqlReady && sshReady;
export const wordpressNeeds =
  "Debian's wordpress and wordpress-theme-twentytwentythree unpacked (.ci/run does it; UPKEEP_TEST_WORDPRESS names the folder), php-cli and php-mysql, MariaDB (UPKEEP_TEST_MYSQL_URL), sshd and restic";

export const PLUGIN = 'upkeep-probe';
export const TITLE = 'Upkeep test blog';

/** The test plugin's versions: 1.0 installed, 1.1 a good update, 1.2 a fatal error, 1.3 a broken layout. */
export function pluginFiles(version: string): Record<string, string> {
  const head = `<?php\n/**\n * Plugin Name: Upkeep Probe\n * Description: A plugin Upkeep's update tests install and update.\n * Version: ${version}\n */\n`;
  const bodies: Record<string, string> = {
    '1.0': `add_action('wp_head', function () { echo "<meta name=\\"upkeep-probe\\" content=\\"1.0\\">\\n"; });\n`,
    '1.1': `add_action('wp_head', function () { echo "<meta name=\\"upkeep-probe\\" content=\\"1.1\\">\\n"; });\n`,
    '1.2': `upkeep_probe_setup_that_does_not_exist();\n`,
    '1.3': `add_action('wp_head', function () { echo '<style>body{background:#c00 !important}.wp-site-blocks{transform:rotate(4deg) translateY(120px)}</style>'; });\n`,
  };
  return {
    [`${PLUGIN}.php`]: head + bodies[version]!,
    'readme.txt': `=== Upkeep Probe ===\nStable tag: ${version}\nRequires at least: 6.0\n\nA test plugin.\n`,
    ...(version === '1.1' ? { 'includes/extra.php': '<?php\n// A file the new version adds: a rollback must remove it.\n' } : {}),
  };
}

export const pluginZip = (version: string): Buffer =>
  Buffer.from(zipSync(Object.fromEntries(Object.entries(pluginFiles(version)).map(([path, text]) => [`${PLUGIN}/${path}`, strToU8(text)]))));

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

export interface WordPress {
  root: string;
  url: string;
  db: DatabaseSettings;
  sshd: Sshd;
  /** The loopback stand-in for downloads.wordpress.org, serving the test plugin's zips. */
  downloads: TestServer;
  /** What WordPress itself says is installed (get_plugins(), wp_get_themes(), $wp_version), asked through PHP. */
  installed(): { core: string; plugins: Record<string, string>; themes: Record<string, string> };
  /** mysqldump --skip-dump-date of the site's database. */
  dump(): string;
  /** Every path below the site with its kind, permissions and content hash or link target. */
  files(): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A real WordPress in `dir`: Debian's files copied, its own MariaDB database, served by PHP's
 * built-in server (PHP_CLI_SERVER_WORKERS=4), installed through wp-admin/install.php as a person
 * would, with the test plugin 1.0 installed and active; an sshd on loopback reaches its folder.
 */
export async function startWordPress(dir: string): Promise<WordPress> {
  const root = join(dir, 'site');
  await cp(wordpressSource!, root, { recursive: true, verbatimSymlinks: true });
  const database = mysqlSourceDatabase();
  const db = database.settings;
  await writeFile(
    join(root, 'wp-config.php'),
    `<?php
define('DB_NAME', '${db.database}');
define('DB_USER', '${db.user}');
define('DB_PASSWORD', '${db.password}');
define('DB_HOST', '${db.host}:${db.port}');
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $k) define($k, "test-$k");
// Page views change nothing in the database: no WP-Cron on visits, no update checks, no outbound calls.
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
$table_prefix = 'wp_';
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  // Without OPcache: with Debian's defaults php -S caches compiled files and rechecks them only every 2 s, so
  // pages right after an update would still run the old plugin. (A real server needs its OPcache reset after an
  // update: docs/updates.md.)
  const php: ChildProcess = spawn('php', ['-d', 'opcache.enable=0', '-S', `127.0.0.1:${port}`, '-t', root], {
    env: { ...process.env, PHP_CLI_SERVER_WORKERS: '4' },
    stdio: 'ignore',
  });
  await waitFor(
    'php -S answering',
    () =>
      fetch(url, { redirect: 'manual' }).then(
        () => true,
        () => false,
      ),
    15_000,
  );
  const form = new URLSearchParams({
    weblog_title: TITLE,
    user_name: 'admin',
    admin_password: 'a-long-test-password-1',
    admin_password2: 'a-long-test-password-1',
    pw_weak: '1',
    admin_email: 'admin@example.com',
    blog_public: '0',
  });
  const installed = await (await fetch(`${url}wp-admin/install.php?step=2`, { method: 'POST', body: form })).text();
  if (!installed.includes('Success!')) throw new Error(`WordPress's installer did not succeed: ${installed.slice(0, 500)}`);
  // WordPress keeps transients (cached global styles, theme roots) in wp_options on page views unless an
  // object cache is there: this drop-in is WordPress's own per-request cache, so views leave the database alone
  // and "byte for byte as before" compares what the update and the rollback did, not what visitors caused.
  await writeFile(join(root, 'wp-content', 'object-cache.php'), "<?php\nrequire_once ABSPATH . WPINC . '/cache.php';\n");
  const pluginDir = join(root, 'wp-content', 'plugins', PLUGIN);
  await mkdir(pluginDir, { recursive: true });
  for (const [path, text] of Object.entries(pluginFiles('1.0'))) await writeFile(join(pluginDir, path), text);
  database.sql(`UPDATE wp_options SET option_value = 'a:1:{i:0;s:29:"${PLUGIN}/${PLUGIN}.php";}' WHERE option_name = 'active_plugins'`);
  const sshd = await startSshd(join(dir, 'ssh'));
  const downloads = await startHttpServer((req, res) => {
    const version = new RegExp(`^/plugin/${PLUGIN}\\.([0-9.]+)\\.zip$`).exec(req.url ?? '')?.[1];
    if (!version || !['1.1', '1.2', '1.3'].includes(version)) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'application/zip' }).end(pluginZip(version));
  });
  const mysqlArgs = ['-h', db.host, '-P', String(db.port), '-u', db.user];
  const env = { ...process.env, MYSQL_PWD: db.password };
  return {
    root,
    url,
    db,
    sshd,
    downloads,
    installed() {
      const script = `
        require '${root}/wp-load.php';
        require_once ABSPATH . 'wp-admin/includes/plugin.php';
        $plugins = []; foreach (get_plugins() as $file => $p) $plugins[dirname($file) === '.' ? basename($file, '.php') : dirname($file)] = $p['Version'];
        $themes = []; foreach (wp_get_themes() as $slug => $t) $themes[$slug] = $t->get('Version');
        echo json_encode(['core' => $GLOBALS['wp_version'], 'plugins' => $plugins, 'themes' => $themes]);`;
      const run = spawnSync('php', ['-r', script], { encoding: 'utf8', env: { ...process.env, HTTP_HOST: `127.0.0.1:${port}` } });
      if (run.status !== 0) throw new Error(`php failed: ${run.stderr}${run.stdout}`);
      return JSON.parse(run.stdout) as ReturnType<WordPress['installed']>;
    },
    dump() {
      const run = spawnSync('mysqldump', ['--skip-dump-date', ...mysqlArgs, db.database], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
      if (run.status !== 0) throw new Error(`mysqldump failed: ${run.stderr}`);
      return run.stdout;
    },
    files: () => manifest(root),
    async stop() {
      php.kill('SIGTERM');
      sshd.stop();
      await downloads.close();
      database.drop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
