import { Parser } from 'acorn';
import type { Node, Pattern, Program, Statement } from 'acorn';
import { transform } from 'esbuild';
import type { NotebookLanguage } from './notebook';

/**
 * Turns one cell into a script that runs in the sandbox's global scope, as a notebook kernel would:
 * TypeScript is transpiled (esbuild), top-level declarations become globals the next cells see (hoisted
 * `var`s), `await` works at the top level (the body runs in an async function), and the value of a final
 * expression statement is the cell's result. The script evaluates to a promise of that value.
 */
export async function compileCell(source: string, language: NotebookLanguage): Promise<string> {
  const { code } = await transform(source, {
    loader: language === 'typescript' ? 'ts' : 'js',
    logLevel: 'silent',
  });
  const program = Parser.parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    allowAwaitOutsideFunction: true,
  }) as Program;
  const names = new Set<string>();
  const text = (node: Node) => code.slice(node.start, node.end);
  const body = program.body as (Statement | Node)[];
  const parts = body.map((statement, position) => {
    const node = statement as Node & Record<string, unknown>;
    switch (node.type) {
      case 'VariableDeclaration': {
        const declarations = node.declarations as { id: Pattern; init: Node | null }[];
        for (const declaration of declarations) collectNames(declaration.id, names);
        return declarations
          .filter((declaration) => declaration.init !== null)
          .map((declaration) => `(${text(declaration.id)} = ${text(declaration.init as Node)});`)
          .join('\n');
      }
      case 'FunctionDeclaration':
      case 'ClassDeclaration': {
        const id = (node.id as { name: string }).name;
        names.add(id);
        return `${id} = ${text(node)};`;
      }
      case 'ImportDeclaration': {
        const from = text(node.source as Node);
        return (node.specifiers as { type: string; local: { name: string }; imported?: Node }[])
          .map((specifier) => {
            names.add(specifier.local.name);
            const module = `require(${from})`;
            if (specifier.type === 'ImportNamespaceSpecifier') return `${specifier.local.name} = ${module};`;
            if (specifier.type === 'ImportDefaultSpecifier') {
              return `${specifier.local.name} = (${module}).default ?? ${module};`;
            }
            return `${specifier.local.name} = (${module})[${JSON.stringify(text(specifier.imported as Node))}];`;
          })
          .join('\n');
      }
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
      case 'ExportAllDeclaration':
        throw new SyntaxError('A notebook cell cannot export');
      case 'ExpressionStatement':
        return position === body.length - 1 ? `return (${text(node.expression as Node)});` : text(node);
      default:
        return text(node);
    }
  });
  const hoisted = names.size > 0 ? `var ${[...names].join(', ')};\n` : '';
  return `${hoisted}(async () => {\n${parts.join('\n')}\n})()`;
}

function collectNames(pattern: Pattern | null, names: Set<string>): void {
  if (!pattern) return;
  switch (pattern.type) {
    case 'Identifier':
      names.add(pattern.name);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        collectNames(property.type === 'RestElement' ? property.argument : property.value, names);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) collectNames(element, names);
      break;
    case 'RestElement':
      collectNames(pattern.argument, names);
      break;
    case 'AssignmentPattern':
      collectNames(pattern.left, names);
      break;
    default:
      break;
  }
}
