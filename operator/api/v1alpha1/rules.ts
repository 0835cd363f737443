// Rules that the zod schema enforces and the CRD states as CEL, written once so the two agree.
import { z } from 'zod';

/** CelReason is how the apiserver classifies a broken CEL rule in its error. */
export type CelReason =
  'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueDuplicate';

/** CelValidation is one entry of `x-kubernetes-validations`, as the CRD carries it. */
export interface CelValidation {
  readonly rule: string;
  readonly message: string;
  readonly fieldPath?: string;
  readonly reason?: CelReason;
}

/**
 * Rule is a CEL validation together with the TypeScript predicate that means the same thing.
 * `fieldPath` (e.g. `.min`) names the field a broken rule is reported at, on both sides.
 */
export interface Rule<T> extends CelValidation {
  readonly holds: (value: T) => boolean;
}

const VALIDATIONS = 'x-kubernetes-validations';

/** celValidationsOf reads the CEL rules already attached to a schema's metadata. */
export function celValidationsOf(schema: z.ZodType): readonly CelValidation[] {
  const existing = z.globalRegistry.get(schema)?.[VALIDATIONS];
  return Array.isArray(existing) ? (existing as CelValidation[]) : [];
}

/** zodPathOf turns a CEL fieldPath such as `.expect.min` into a zod issue path. */
function zodPathOf(fieldPath: string | undefined): string[] {
  return fieldPath === undefined ? [] : fieldPath.split('.').filter((part) => part !== '');
}

function celOf<T>(rule: Rule<T>): CelValidation {
  return {
    rule: rule.rule,
    message: rule.message,
    ...(rule.fieldPath !== undefined && { fieldPath: rule.fieldPath }),
    ...(rule.reason !== undefined && { reason: rule.reason }),
  };
}

/**
 * withRules makes a schema enforce `rules` (a zod check per rule, reported at the rule's
 * fieldPath) and records them as CEL for the CRD. Every rule is one definition, two views.
 */
export function withRules<S extends z.ZodType>(schema: S, rules: readonly Rule<z.output<S>>[]): S {
  const checked = schema.check((ctx) => {
    for (const rule of rules) {
      if (rule.holds(ctx.value)) continue;
      ctx.issues.push({
        code: 'custom',
        message: rule.message,
        path: zodPathOf(rule.fieldPath),
        input: ctx.value,
      });
    }
  });
  return checked.meta({ [VALIDATIONS]: [...celValidationsOf(schema), ...rules.map(celOf)] });
}

/**
 * matching is a string of at most `maxLength` characters that matches `source` entirely. The
 * same regular expression runs in JavaScript (zod) and in RE2 (CEL `matches`), so it must stay
 * inside their common subset: anchored, no backslashes (use `[.]`, `[0-9]`), no quotes, no
 * lookaround, no backreferences, no inline flags.
 */
export function matching(source: string, maxLength: number, message: string): z.ZodString {
  if (!source.startsWith('^') || !source.endsWith('$') || /[\\'"]/.test(source)) {
    throw new Error(
      `matching(${source}): the pattern must be anchored with ^…$ and contain no backslash or quote`,
    );
  }
  const pattern = new RegExp(source);
  return withRules(z.string().max(maxLength), [
    { rule: `self.matches('${source}')`, message, holds: (value) => pattern.test(value) },
  ]);
}

/** codePoints counts characters the way the apiserver does (Unicode code points, not UTF-16). */
export function codePoints(value: string): number {
  return value.length - (value.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);
}

/**
 * text is free text of at most `maxLength` characters, counted as code points so that zod and
 * the apiserver's `maxLength` agree on strings outside the Basic Multilingual Plane.
 */
export function text(maxLength: number): z.ZodString {
  return z
    .string()
    .refine((value) => codePoints(value) <= maxLength, {
      message: `must be at most ${maxLength} characters`,
    })
    .meta({ maxLength });
}

/** checkDistinct reports, at its index, every item whose key an earlier item already had. */
function checkDistinct<T>(items: readonly T[], keyOf: (item: T) => string): z.core.$ZodRawIssue[] {
  const seen = new Set<string>();
  const issues: z.core.$ZodRawIssue[] = [];
  items.forEach((item, index) => {
    const key = keyOf(item);
    if (seen.has(key)) {
      issues.push({
        code: 'custom',
        message: `duplicate value "${key}": each may appear once`,
        path: [index],
        input: items,
      });
    }
    seen.add(key);
  });
  return issues;
}

/**
 * uniqueSet is a list whose items are distinct, stated natively to the apiserver as
 * `x-kubernetes-list-type: set` (it answers "Duplicate value" at the repeated item).
 */
export function uniqueSet<S extends z.ZodArray<z.ZodString>>(schema: S): S {
  return schema
    .check((ctx) => {
      ctx.issues.push(...checkDistinct(ctx.value, (item) => item));
    })
    .meta({ 'x-kubernetes-list-type': 'set' });
}

/**
 * mapList is a list of objects with at most one item per `key`, stated natively to the
 * apiserver as `x-kubernetes-list-type: map` keyed by that field, so server-side apply merges
 * it item by item.
 */
export function mapList<K extends string, S extends z.ZodArray<z.ZodType<Record<K, string>>>>(
  schema: S,
  key: K,
): S {
  return schema
    .check((ctx) => {
      ctx.issues.push(...checkDistinct(ctx.value, (item: Record<K, string>) => item[key]));
    })
    .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': [key] });
}

/**
 * boundedRecord is a string-keyed map of at most `maxProperties` entries (the apiserver's
 * `maxProperties`), so CEL rules over its entries stay within the cost budget.
 */
export function boundedRecord<V extends z.ZodType>(
  value: V,
  maxProperties: number,
): z.ZodRecord<z.ZodString, V> {
  return z
    .record(z.string(), value)
    .check((ctx) => {
      const size = Object.keys(ctx.value).length;
      if (size <= maxProperties) return;
      ctx.issues.push({
        code: 'custom',
        message: `must have at most ${maxProperties} entries, has ${size}`,
        input: ctx.value,
      });
    })
    .meta({ maxProperties });
}
