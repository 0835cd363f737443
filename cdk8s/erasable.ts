// What `cdk8s import` writes, made runnable by Node's type stripping and our tsconfig
// (erasableSyntaxOnly, verbatimModuleSyntax): each enum becomes a const object with a type of
// its values (the same names, and a plain string literal is accepted too), and each import of
// a name that is only a type becomes `type`. Nothing else is touched.
import ts from 'typescript';

/** RuntimeExports answers whether a module exports a name at run time (a type does not). */
export type RuntimeExports = (module: string) => Promise<ReadonlySet<string>>;

/** runtimeExports loads the module and lists what it exports at run time. */
export const runtimeExports: RuntimeExports = async (module) =>
  new Set(Object.keys((await import(module)) as object));

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

function stringValue(member: ts.EnumMember, enumName: string): string {
  if (member.initializer === undefined || !ts.isStringLiteral(member.initializer)) {
    throw new Error(
      `enum ${enumName} member ${member.name.getText()} has no string value: only string enums can become const objects`,
    );
  }
  return JSON.stringify(member.initializer.text);
}

function constObjectOf(node: ts.EnumDeclaration, source: ts.SourceFile): Edit {
  const name = node.name.text;
  const exported = node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
  if (!exported) throw new Error(`enum ${name} is not exported`);
  const members = node.members.map((member) => {
    const comment = source.text.slice(member.pos, member.getStart(source)).trim();
    const entry = `${member.name.getText(source)}: ${stringValue(member, name)},`;
    return comment === '' ? `  ${entry}` : `  ${comment}\n  ${entry}`;
  });
  return {
    start: node.getStart(source),
    end: node.end,
    text: [
      `export const ${name} = {`,
      ...members,
      '} as const;',
      `/** ${name} is one of the values of the const ${name}. */`,
      `export type ${name} = (typeof ${name})[keyof typeof ${name}];`,
    ].join('\n'),
  };
}

async function typeOnlyImports(
  node: ts.ImportDeclaration,
  source: ts.SourceFile,
  exportsOf: RuntimeExports,
): Promise<Edit[]> {
  const bindings = node.importClause?.namedBindings;
  const typeOnly = node.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword;
  if (bindings === undefined || !ts.isNamedImports(bindings) || typeOnly) return [];
  const module = (node.moduleSpecifier as ts.StringLiteral).text;
  const values = await exportsOf(module);
  return bindings.elements
    .filter((element) => !element.isTypeOnly && !values.has(element.name.text))
    .map((element) => {
      const start = element.getStart(source);
      return { start, end: start, text: 'type ' };
    });
}

/** erasable rewrites generated TypeScript as described above, or throws naming what it cannot. */
export async function erasable(
  code: string,
  exportsOf: RuntimeExports = runtimeExports,
): Promise<string> {
  const source = ts.createSourceFile('imported.ts', code, ts.ScriptTarget.Latest, true);
  const edits: Edit[] = [];
  for (const node of source.statements) {
    if (ts.isEnumDeclaration(node)) edits.push(constObjectOf(node, source));
    if (ts.isImportDeclaration(node))
      edits.push(...(await typeOnlyImports(node, source, exportsOf)));
    if (ts.isModuleDeclaration(node)) {
      throw new Error(`namespace ${node.name.getText(source)} cannot be erased: none was expected`);
    }
  }
  return edits
    .sort((a, b) => b.start - a.start)
    .reduce((text, edit) => text.slice(0, edit.start) + edit.text + text.slice(edit.end), code);
}
