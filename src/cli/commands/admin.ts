import { createInterface } from 'node:readline/promises';
import { Option, type Command } from 'commander';
import { accountScopes, roles } from '../../accounts/accounts.service.js';
import type { AccountScope, Role, TokenScope } from '../../db/types.js';
import { toIso } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { action, DEFAULT_DATA_DIR, parseDurationOption, withCore } from '../run.js';

const dataDirOption = () => new Option('-d, --data-dir <dir>', 'data directory (SQLite); UPKEEP_DATABASE_URL selects PostgreSQL').default(DEFAULT_DATA_DIR);

/** Reads a password from standard input: the first line when piped, or typed without echo on a terminal. */
async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    return text.split(/\r?\n/)[0] ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(prompt);
  output._writeToOutput = () => {};
  try {
    return await rl.question('');
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/** `migrate`, `token …` and `user …`: administration of the instance. */
export function register(program: Command): void {
  program
    .command('migrate')
    .description('Bring the database schema up to date (start does this too).')
    .addOption(dataDirOption())
    .addHelpText('after', '\nExamples:\n  $ upkeep migrate\n  $ UPKEEP_DATABASE_URL=postgres://upkeep@db/upkeep upkeep migrate')
    .action(
      action(async (opts: { dataDir: string }) => {
        const { location } = await withCore(opts.dataDir, async (core) => core.storage);
        process.stdout.write(`database ${location} is up to date\n`);
      }),
    );

  const token = program.command('token').description('Manage API tokens.');
  token
    .command('create')
    .description('Make an API token and print it once (only its hash is stored).')
    .requiredOption('-n, --name <name>', 'what the token is for, e.g. "ci"')
    .addOption(new Option('-s, --scope <scope>', 'read: GET only; write: everything').choices(['read', 'write']).default('read'))
    .option('-u, --user <email>', 'the user the token acts for')
    .option('-e, --expires <duration>', 'lifetime, e.g. 90d (default: never expires)', parseDurationOption)
    .addOption(dataDirOption())
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep token create --name grafana\n  $ upkeep token create --name deploy --scope write --expires 90d\n  $ curl -H "Authorization: Bearer $TOKEN" localhost:3000/api/v1/sites',
    )
    .action(
      action(async (opts: { name: string; scope: TokenScope; user?: string; expires?: number; dataDir: string }) => {
        const created = await withCore(opts.dataDir, (core) =>
          core.accounts.createToken({
            name: opts.name,
            scope: opts.scope,
            ...(opts.user ? { userEmail: opts.user } : {}),
            ...(opts.expires ? { expiresInMs: opts.expires } : {}),
          }),
        );
        process.stderr.write(`token ${created.id} "${opts.name}" (${opts.scope}) created; it is shown only now:\n`);
        process.stdout.write(`${created.token}\n`);
      }),
    );
  token
    .command('list')
    .description('List API tokens (never the tokens themselves).')
    .addOption(dataDirOption())
    .action(
      action(async (opts: { dataDir: string }) => {
        const tokens = await withCore(opts.dataDir, (core) => core.accounts.listTokens());
        if (!tokens.length) process.stdout.write('no tokens; make one with "upkeep token create --name <name>"\n');
        for (const t of tokens) {
          const state = t.revokedAt ? `revoked ${toIso(t.revokedAt)}` : t.expiresAt ? `expires ${toIso(t.expiresAt)}` : 'active';
          process.stdout.write(`${t.id}\t${t.prefix}…\t${t.scope}\t${t.name}\t${state}\tlast used ${t.lastUsedAt ? toIso(t.lastUsedAt) : 'never'}\n`);
        }
      }),
    );
  token
    .command('revoke <id>')
    .description('Revoke an API token; it stops working at once.')
    .addOption(dataDirOption())
    .action(
      action(async (id: string, opts: { dataDir: string }) => {
        const n = Number(id);
        if (!Number.isInteger(n) || n <= 0) throw new AppError('invalid_input', `a token id is a positive number (see "upkeep token list"), got "${id}"`);
        await withCore(opts.dataDir, (core) => core.accounts.revokeToken(n));
        process.stdout.write(`token ${n} revoked\n`);
      }),
    );

  const user = program.command('user').description('Manage user accounts.');
  user
    .command('create')
    .description('Make a user account. The password is read from standard input (typed without echo on a terminal).')
    .requiredOption('--email <email>', 'the login email')
    .addOption(new Option('--role <role>', 'what the user may do').choices(roles).default('admin'))
    .addOption(
      new Option('--scope <scope>', 'what the user reaches: every site, or only the sites of the teams an admin puts them in (none until then)')
        .choices(accountScopes)
        .default('instance'),
    )
    .addOption(dataDirOption())
    .addHelpText(
      'after',
      '\nExamples:\n  $ upkeep user create --email ops@example.com --role owner\n  $ echo "$PASSWORD" | upkeep user create --email viewer@example.com --role viewer',
    )
    .action(
      action(async (opts: { email: string; role: Role; scope: AccountScope; dataDir: string }) => {
        const password = await readPassword(`password for ${opts.email} (at least 12 characters): `);
        const created = await withCore(opts.dataDir, (core) => core.accounts.createUser({ email: opts.email, password, role: opts.role, scope: opts.scope }));
        const reach = created.scope === 'teams' ? '; reaches only its teams’ sites, none until an admin adds it to a team' : '';
        process.stdout.write(`user ${created.email} (${created.role}) created${reach}\n`);
      }),
    );
}
