import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const src = join(root, 'src');

/** Kysely's query builders and its `sql` template: what only repositories (and src/db/) may use. */
const queries = [
  /\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|selectNoFrom)\s*[(<]/,
  /(?<![.\w$])sql\s*(<[^`]*>)?\s*`/,
  /(?<![.\w$])sql\.(raw|ref|lit|id|join|table|val|expression)\s*\(/,
  /import\s*\{[^}]*(?<![\w$])sql(?![\w$])[^}]*\}\s*from\s*'kysely'/,
];

/** Files that may hold SQL: repositories and the database room (connection, migrations, table types). */
function maySql(file: string): boolean {
  const path = relative(src, file).split('\\').join('/');
  return path.endsWith('.repository.ts') || path.startsWith('db/');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

/** Every line outside repositories that builds a query, as "src/x/y.ts:12: the line". */
function sqlOutsideRepositories(dir: string): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(dir)) {
    if (maySql(file)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (queries.some((q) => q.test(line))) found.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('SQL lives only in repositories', () => {
  it('finds no Kysely query builder outside *.repository.ts and src/db/', () => {
    expect(sqlOutsideRepositories(src)).toEqual([]);
  });
});
