import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { ALL_ON_VALUES } from '../test/support/helm.ts';
import { defaultValues, Values } from './values.ts';
import { valuesJsonSchema, valuesMarkdown, valuesYaml } from './values-files.ts';

// unwrap is a schema without its default, prefault or optional wrappers.
function unwrap(schema: z.ZodType): z.ZodType {
  const inner = (schema as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def
    .innerType;
  return inner === undefined ? schema : unwrap(inner);
}

/** leavesOf lists the dotted path of every value of the zod schema that is not a section. */
function leavesOf(schema: z.ZodType, at = ''): string[] {
  const bare = unwrap(schema);
  if (!(bare instanceof z.ZodObject) || Object.keys(bare.shape).length === 0) return [at];
  return Object.entries(bare.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
    leavesOf(child, at === '' ? key : `${at}.${key}`),
  );
}

describe('values.yaml', () => {
  it('holds exactly the schema’s defaults', () => {
    expect(parse(valuesYaml())).toEqual(defaultValues());
  });

  it('describes every key in a comment above it, in the schema’s order', () => {
    const descriptions: string[] = [];
    const visit = (node: Record<string, unknown>): void => {
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const [key, child] of Object.entries(properties)) {
        if (key !== 'global') descriptions.push(String(child.description));
        visit(child);
      }
    };
    visit(valuesJsonSchema());
    const comments = valuesYaml()
      .split('\n')
      .slice(2)
      .filter((line) => line.trim().startsWith('#'))
      .map((line) => line.trim().slice(2));

    expect(comments).toEqual(descriptions);
  });
});

describe('the values schema', () => {
  it('accepts the all-on values', async () => {
    const parsed = Values.safeParse(parse(await readFile(ALL_ON_VALUES, 'utf8')));

    expect(parsed.error).toBeUndefined();
  });

  it('refuses unknown keys in every section (additionalProperties: false)', () => {
    const open: string[] = [];
    const visit = (node: Record<string, unknown>, at: string): void => {
      const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
      if (properties === undefined || Object.keys(properties).length === 0) return;
      if (node.additionalProperties !== false) open.push(at);
      for (const [key, child] of Object.entries(properties)) visit(child, `${at}.${key}`);
    };
    visit(valuesJsonSchema(), '');

    expect(open).toEqual([]);
  });
});

describe('VALUES.md', () => {
  it('has one row per value, in values.yaml’s order, each with a description', () => {
    const rows = valuesMarkdown()
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    const keys = rows.map((row) => /^\| `([^`]+)`/.exec(row)?.[1]);

    expect(keys).toEqual(leavesOf(Values));
    expect(rows.filter((row) => row.endsWith('|  |'))).toEqual([]);
  });
});
