// zod → the structural OpenAPI v3 schema a CRD carries. zod's own JSON Schema export does the
// walking; this module keeps only what a structural schema may say and fails on the rest.
import { z } from 'zod';

/** OpenApiSchema is a node of a CRD's openAPIV3Schema. */
export interface OpenApiSchema {
  readonly [key: string]: unknown;
}

type JsonNode = Readonly<Record<string, unknown>>;

/** KEY_ORDER is the order keys are written in, so generated files are stable and readable. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
];

/** KEPT are the keys copied as they are. */
const KEPT = new Set(
  KEY_ORDER.filter(
    (key) => !['properties', 'required', 'items', 'additionalProperties'].includes(key),
  ),
);

const rank = (key: string): number => KEY_ORDER.indexOf(key);

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** SchemaError says which part of a schema cannot become a structural CRD schema, and why. */
export class SchemaError extends Error {
  constructor(at: string, problem: string) {
    super(`${at || '<root>'}: ${problem}`);
    this.name = 'SchemaError';
  }
}

function isNode(value: unknown): value is JsonNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nodeAt(value: unknown, at: string): JsonNode {
  if (!isNode(value)) throw new SchemaError(at, 'expected a schema object');
  return value;
}

function convertProperties(value: unknown, at: string): Record<string, OpenApiSchema> {
  const properties = nodeAt(value, at);
  const out: Record<string, OpenApiSchema> = {};
  for (const name of Object.keys(properties).sort()) {
    const child = convert(properties[name], `${at}.${name}`);
    if (typeof child.description !== 'string' || child.description === '') {
      throw new SchemaError(`${at}.${name}`, 'every field needs a description (.meta)');
    }
    out[name] = child;
  }
  return out;
}

type KeyHandler = (node: JsonNode, at: string) => unknown;

/** HANDLERS convert the keys that need more than a copy; undefined drops the key. */
const HANDLERS: Readonly<Record<string, KeyHandler>> = {
  $schema: () => undefined,
  properties: (node, at) => convertProperties(node.properties, at),
  required: (node) => [...(node.required as string[])].sort(),
  items: (node, at) => convert(node.items, `${at}[]`),
  additionalProperties: (node, at) =>
    node.additionalProperties === false ? undefined : convert(node.additionalProperties, `${at}{}`),
  pattern: (node, at) => {
    // zod writes a pattern for its formats (date-time); the apiserver checks the format.
    if (node.format !== undefined) return undefined;
    throw new SchemaError(at, 'use matching() so the pattern becomes a CEL rule with a message');
  },
  propertyNames: (node, at) => {
    const names = nodeAt(node.propertyNames, at);
    if (names.type === 'string' && Object.keys(names).length === 1) return undefined;
    throw new SchemaError(at, 'map keys can only be constrained by a CEL rule (withRules)');
  },
};

/** convertKey maps one JSON Schema key to its structural form; undefined drops it. */
function convertKey(node: JsonNode, key: string, at: string): unknown {
  if (KEPT.has(key)) return node[key];
  const handler = HANDLERS[key];
  if (handler === undefined) {
    throw new SchemaError(at, `"${key}" has no structural CRD equivalent`);
  }
  return handler(node, at);
}

function convert(value: unknown, at: string): OpenApiSchema {
  const node = nodeAt(value, at);
  if (typeof node.type !== 'string' || !TYPES.has(node.type)) {
    throw new SchemaError(
      at,
      `needs one type of ${[...TYPES].join(', ')}, has ${JSON.stringify(node.type)}`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(node).sort((a, b) => rank(a) - rank(b))) {
    const converted = convertKey(node, key, at);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

/**
 * openApiSchemaOf turns a zod schema into a structural OpenAPI v3 schema: one type per node,
 * properties sorted, a description on every field, patterns only as CEL rules. It throws a
 * SchemaError naming the path of anything a CRD cannot express.
 */
export function openApiSchemaOf(schema: z.ZodType, at = ''): OpenApiSchema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw' });
  return convert(json, at);
}
