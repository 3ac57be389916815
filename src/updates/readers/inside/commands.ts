import type { Ecosystem, Observed } from '../../component.js';

/**
 * Runtime and server versions from their own commands. A later stage runs `command` over SSH
 * (stdout and stderr together: nginx prints its version on stderr) and hands the output to
 * `parse`. A command that is missing or fails is simply not installed, never an error.
 * Database commands report the client's version, which on a database host is the server's package.
 */
export interface CommandProbe {
  ecosystem: Ecosystem;
  /** argv, never a shell line. */
  command: readonly string[];
  parse(output: string): Observed[];
}

export type CommandKind = 'php' | 'node' | 'python' | 'nginx' | 'apache' | 'mariadb' | 'mysql' | 'postgresql';

const one = (name: string, ecosystem: Ecosystem, version: string | undefined, command: readonly string[]): Observed[] =>
  version ? [{ name, ecosystem, version, seen: [{ source: 'command', at: command.join(' ') }] }] : [];

/** `mysql --version` names the server family: MariaDB's client says "…-MariaDB", MySQL's does not. */
function mysqlFamily(output: string, command: readonly string[]): Observed[] {
  const maria = /(?:Distrib|from)\s+(\d+\.\d+\.\d+)-MariaDB/i.exec(output)?.[1];
  if (maria) return one('mariadb', 'server:mariadb', maria, command);
  return one('mysql', 'server:mysql', /\bVer\s+(\d+\.\d+\.\d+)/.exec(output)?.[1], command);
}

export const commandProbes = {
  php: { ecosystem: 'runtime:php', command: ['php', '-v'], parse: (o) => one('php', 'runtime:php', /^PHP (\d+\.\d+\.\d+)/m.exec(o)?.[1], ['php', '-v']) },
  node: { ecosystem: 'runtime:node', command: ['node', '-v'], parse: (o) => one('node', 'runtime:node', /^v(\d+\.\d+\.\d+)/m.exec(o)?.[1], ['node', '-v']) },
  python: {
    ecosystem: 'runtime:python',
    command: ['python3', '--version'],
    parse: (o) => one('python', 'runtime:python', /^Python (\d+\.\d+\.\d+\S*)/m.exec(o)?.[1], ['python3', '--version']),
  },
  nginx: {
    ecosystem: 'server:nginx',
    command: ['nginx', '-v'],
    parse: (o) => one('nginx', 'server:nginx', /nginx\/(\d+\.\d+\.\d+)/.exec(o)?.[1], ['nginx', '-v']),
  },
  apache: {
    ecosystem: 'server:apache',
    command: ['apache2', '-v'],
    parse: (o) => one('apache', 'server:apache', /Apache\/(\d+\.\d+\.\d+)/.exec(o)?.[1], ['apache2', '-v']),
  },
  mariadb: { ecosystem: 'server:mariadb', command: ['mariadb', '--version'], parse: (o) => mysqlFamily(o, ['mariadb', '--version']) },
  mysql: { ecosystem: 'server:mysql', command: ['mysql', '--version'], parse: (o) => mysqlFamily(o, ['mysql', '--version']) },
  postgresql: {
    ecosystem: 'server:postgresql',
    command: ['psql', '--version'],
    parse: (o) => one('postgresql', 'server:postgresql', /\(PostgreSQL\)\s+(\d+(?:\.\d+)+)/.exec(o)?.[1], ['psql', '--version']),
  },
} satisfies Record<CommandKind, CommandProbe>;
