import { createContext, useContext } from 'react';

export type Role = 'owner' | 'admin' | 'editor' | 'viewer';

export interface User {
  id: number;
  email: string;
  name: string | null;
  role: Role;
  /** "instance": every site; "teams": only the teams' sites (none without a team). */
  scope: 'instance' | 'teams';
  disabled: boolean;
  twoFactor: boolean;
  teams: { team: string; role: Role }[];
}

export interface Session {
  user: User;
  csrfToken: string;
}

const rank: Record<Role, number> = { viewer: 1, editor: 2, admin: 3, owner: 4 };

export interface SessionContextValue {
  user: User;
  /** Reads the session again (after a password or two-factor change). */
  refresh: () => Promise<void>;
  logout: () => Promise<void>;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a session');
  return value;
}

export const isAdmin = (user: User) => rank[user.role] >= rank.admin;
/** Instance-wide objects (channels, maintenance, users) are out of reach of team-scoped accounts. */
export const isGlobal = (user: User) => isAdmin(user) || user.scope === 'instance';
/**
 * Whether the user may change things (editors and up); the server decides anyway, this only hides buttons that would be refused.
 * A team-scoped account acts with its role in each team: the account's role counts only for instance-wide accounts.
 */
export const canEdit = (user: User) => (isGlobal(user) ? rank[user.role] >= rank.editor : user.teams.some((t) => rank[t.role] >= rank.editor));
