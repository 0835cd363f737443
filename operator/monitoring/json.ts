// JSON printed as prettier prints it (printWidth 100), so the generated dashboard passes
// `prettier --check` as it is written.

const PRINT_WIDTH = 100;
const INDENT = '  ';

/**
 * prettyJson prints a value as JSON.stringify would (functions and undefined left out) with objects expanded one key a line, and arrays of
 * primitives on one line when that line fits in the print width (prettier's JSON layout
 * for input whose objects are already expanded).
 */
export function prettyJson(value: unknown): string {
  return `${print(JSON.parse(JSON.stringify(value)), '', 0)}\n`;
}

// print renders a value whose first line starts at column `column` after `indent`.
function print(value: unknown, indent: string, column: number): string {
  if (Array.isArray(value)) return printArray(value as unknown[], indent, column);
  if (value !== null && typeof value === 'object')
    return printObject(value as Record<string, unknown>, indent);
  return JSON.stringify(value);
}

function printObject(object: Record<string, unknown>, indent: string): string {
  const entries = Object.entries(object);
  if (entries.length === 0) return '{}';
  const inner = indent + INDENT;
  const lines = entries.map(([key, value]) => {
    const prefix = `${inner}${JSON.stringify(key)}: `;
    return `${prefix}${print(value, inner, prefix.length)}`;
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

function printArray(array: unknown[], indent: string, column: number): string {
  if (array.length === 0) return '[]';
  const primitives = array.every((item) => item === null || typeof item !== 'object');
  if (primitives) {
    const flat = `[${array.map((item) => JSON.stringify(item)).join(', ')}]`;
    // the line also holds the comma that may follow the array
    if (column + flat.length + 1 <= PRINT_WIDTH) return flat;
  }
  const inner = indent + INDENT;
  const lines = array.map((item) => `${inner}${print(item, inner, inner.length)}`);
  return `[\n${lines.join(',\n')}\n${indent}]`;
}
