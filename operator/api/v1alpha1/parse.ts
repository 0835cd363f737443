// Parsing objects from the apiserver with the schemas: never throws, explains what is wrong.
import { z } from 'zod';
import { AwsCheck, AwsCheckSpec } from './awscheck.ts';
import { AwsCredentialRef, AwsCredentialRefSpec } from './awscredentialref.ts';

/** Parsed is a parse outcome: the typed value, or a message a person can act on. */
export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };

/**
 * withoutNullFields drops object fields whose value is null, at any depth, as the apiserver
 * prunes them before validation; null items of a list are kept (the apiserver rejects them).
 */
export function withoutNullFields(input: unknown): unknown {
  if (!hasNullField(input)) return input;
  if (Array.isArray(input)) return input.map(withoutNullFields);
  if (typeof input !== 'object' || input === null) return input;
  return Object.fromEntries(
    Object.entries(input)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, withoutNullFields(value)]),
  );
}

// hasNullField: whether any object field at any depth is null; most objects have none, and
// then need no copy.
function hasNullField(input: unknown): boolean {
  if (Array.isArray(input)) return input.some(hasNullField);
  if (typeof input !== 'object' || input === null) return false;
  return Object.values(input).some((value) => value === null || hasNullField(value));
}

/**
 * parseWith parses `input` with `schema` and never throws: a failure becomes a message that
 * lists each problem with the path of the field it concerns (`→ at spec.regions[1]`). Like the
 * apiserver, it ignores object fields set to null.
 */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(withoutNullFields(input));
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: z.prettifyError(result.error) };
}

/**
 * withoutUnreadableStatus parses an object, and if only its status fails to parse (written
 * by an earlier version of the operator, before a field changed shape), parses it without
 * one: the operator then rebuilds the status from the cluster, as for a new object. A spec
 * that does not parse is still reported.
 */
function withoutUnreadableStatus<S extends z.ZodType>(
  schema: S,
  input: unknown,
): Parsed<z.output<S>> {
  const parsed = parseWith(schema, input);
  if (parsed.ok || typeof input !== 'object' || input === null || !('status' in input)) {
    return parsed;
  }
  const bare = parseWith(schema, { ...input, status: undefined });
  return bare.ok ? bare : parsed;
}

/** parseAwsCheck parses a whole AwsCheck (metadata, spec, status), defaults applied. */
export function parseAwsCheck(input: unknown): Parsed<AwsCheck> {
  return parseWith(AwsCheck, input);
}

/**
 * memoized reads each object once: a cached object is never changed in place (a watch event
 * brings a new object), so its parse is kept as long as the object lives, and an object
 * replaced or deleted frees its parse with it. The parsed value is shared by every reader,
 * who must not change it.
 */
function memoized<T>(read: (input: unknown) => Parsed<T>): (input: unknown) => Parsed<T> {
  const parses = new WeakMap<object, Parsed<T>>();
  return (input) => {
    if (typeof input !== 'object' || input === null) return read(input);
    const known = parses.get(input);
    if (known !== undefined) return known;
    const parsed = read(input);
    parses.set(input, parsed);
    return parsed;
  };
}

/**
 * readAwsCheck is parseAwsCheck for the controllers: a status it cannot read counts as none.
 * An object is parsed once (see memoized): it must not be changed after it was read.
 */
export const readAwsCheck: (input: unknown) => Parsed<AwsCheck> = memoized((input) =>
  withoutUnreadableStatus(AwsCheck, input),
);

/** parseAwsCheckSpec parses only an AwsCheck's spec; paths in the message start at the spec. */
export function parseAwsCheckSpec(input: unknown): Parsed<AwsCheckSpec> {
  return parseWith(AwsCheckSpec, input);
}

/** parseAwsCredentialRef parses a whole AwsCredentialRef (metadata, spec, status). */
export function parseAwsCredentialRef(input: unknown): Parsed<AwsCredentialRef> {
  return parseWith(AwsCredentialRef, input);
}

/** readAwsCredentialRef is readAwsCheck for credential refs, parsed once per object too. */
export const readAwsCredentialRef: (input: unknown) => Parsed<AwsCredentialRef> = memoized(
  (input) => withoutUnreadableStatus(AwsCredentialRef, input),
);

/** parseAwsCredentialRefSpec parses only an AwsCredentialRef's spec. */
export function parseAwsCredentialRefSpec(input: unknown): Parsed<AwsCredentialRefSpec> {
  return parseWith(AwsCredentialRefSpec, input);
}
