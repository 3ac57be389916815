import type { Kysely } from 'kysely';
import type { Database } from '../db/types.js';
import { AppError } from '../lib/errors.js';
import { roleRank, type Principal } from './access.js';
import { AccountsRepository } from './accounts.repository.js';

/** A field that names a person by their account's email: where it is (for the error) and what it says. */
export interface NamedAccount {
  path: string;
  email: string;
}

/**
 * Which of these emails are accounts `who` may name (lowercased). Owners and admins, and the operator
 * (`who` null: upkeep.yaml, the command line) may name every account. Anyone else may name
 * themselves and the accounts that share one of their teams, and, when their own reach is the whole
 * instance, the instance-wide accounts: a client's team never learns of the agency's other clients.
 * `db` may be a transaction (the caller's writes wait on it).
 *
 * @example await assignableAccounts(db, principal, ['ann@agency.example']) // Set { 'ann@agency.example' } or Set {}
 */
export async function assignableAccounts(db: Kysely<Database>, who: Principal | null, emails: readonly string[]): Promise<Set<string>> {
  const accounts = await new AccountsRepository(db).usersByEmails(emails);
  const mayName = (a: (typeof accounts)[number]) => {
    if (who === null || roleRank[who.role] >= roleRank.admin || a.id === who.userId) return true;
    if (a.teamIds.some((t) => who.teams.some((team) => team.teamId === t))) return true;
    return who.reach === 'instance' && (a.scope === 'instance' || roleRank[a.role] >= roleRank.admin);
  };
  return new Set(accounts.filter(mayName).map((a) => a.email.toLowerCase()));
}

/**
 * Refuses names that are not accounts `who` may name, field by field, with one message that reads
 * the same whether no account has the email or it is out of the caller's sight: what an API answer
 * says must not tell a caller which emails have accounts on this instance.
 */
export async function requireAssignable(db: Kysely<Database>, who: Principal | null, named: readonly NamedAccount[]): Promise<void> {
  if (!named.length) return;
  const known = await assignableAccounts(
    db,
    who,
    named.map((n) => n.email),
  );
  const refused = named.filter((n) => !known.has(n.email.toLowerCase()));
  if (refused.length)
    throw new AppError('invalid_input', `${refused.map((n) => n.path).join(', ')}: not an account you can assign`, {
      details: refused.map((n) => ({ path: n.path, message: 'not an account you can assign' })),
    });
}
