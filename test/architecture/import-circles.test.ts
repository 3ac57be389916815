import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '../../src');

/** The room a file belongs to: its first folder under src/, or the file itself at the top (main.ts, app.ts, runtime.ts). */
function roomOf(file: string): string {
  const path = relative(src, file).split('\\').join('/');
  const slash = path.indexOf('/');
  return slash === -1 ? path : path.slice(0, slash);
}

/**
 * The modules a file loads when it runs: `import type` and `export type` (and imports whose every
 * name is a type) are erased by the compiler and load nothing, so they make no circle.
 */
function valueImports(file: string, text: string): { specifier: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: { specifier: string; line: number }[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined) => {
    if (specifier && ts.isStringLiteral(specifier))
      found.push({ specifier: specifier.text, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1 });
  };
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const onlyTypes =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          bindings !== undefined &&
          ts.isNamedImports(bindings) &&
          bindings.elements.length > 0 &&
          bindings.elements.every((e) => e.isTypeOnly));
      if (!onlyTypes) add(node, node.moduleSpecifier);
    } else if (ts.isExportDeclaration(node) && !node.isTypeOnly) {
      const clause = node.exportClause;
      const onlyTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly);
      if (!onlyTypes) add(node, node.moduleSpecifier);
    }
  }
  return found;
}

/** Which rooms import which, with one file:line per edge to name it. */
function roomGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));
  for (const name of files) {
    const file = join(src, name);
    const text = readFileSync(file, 'utf8');
    // A migration is a one-time step that may convert stored data with a feature's own codec (0008 packs
    // results with monitoring's block encoder); only the migrator loads migrations, so they close no
    // circle at run time and are left out of the graph.
    if (name.split('\\').join('/').startsWith('db/migrations/')) continue;
    const from = roomOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const { specifier, line } of valueImports(file, text)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(src)) continue;
      const to = roomOf(target);
      if (to === from || edges.has(to)) continue;
      edges.set(to, `${relative(resolve(src, '..'), file)}:${line}`);
    }
  }
  return graph;
}

/** Every circle among rooms (strongly connected components of more than one room), each as "a → b → a" with the imports that close it. */
function circles(graph: Map<string, Map<string, string>>): string[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      component.push(w);
    } while (w !== v);
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.map((component) => {
    const edges = component.flatMap((a) => component.filter((b) => graph.get(a)?.has(b)).map((b) => `${a} → ${b} (${graph.get(a)!.get(b)})`));
    return `${component.join(', ')}: ${edges.join('; ')}`;
  });
}

describe('rooms under src/', () => {
  it('load each other without circles', () => {
    expect(circles(roomGraph())).toEqual([]);
  });

  it('finds a circle when there is one', () => {
    const graph = new Map([
      ['a', new Map([['b', 'src/a/x.ts:1']])],
      ['b', new Map([['c', 'src/b/y.ts:2']])],
      ['c', new Map([['a', 'src/c/z.ts:3']])],
      ['d', new Map([['a', 'src/d/w.ts:4']])],
    ]);
    expect(circles(graph)).toEqual(['a, b, c: a → b (src/a/x.ts:1); b → c (src/b/y.ts:2); c → a (src/c/z.ts:3)']);
  });
});
