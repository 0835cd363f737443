// Drift: whether an observed object still holds every field the operator sets. The
// apiserver adds defaults and other managers add their own fields, so the observed object
// may hold more; it must hold each of ours with our value. Lists must match in length and
// order, as server-side apply would set them for the fields we own.
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseQuantity } from '../quantity.ts';

/**
 * containsDesired tells whether `observed` carries the labels, annotations, owners and spec
 * of `desired`. Under every `resources` (limits, requests) quantities compare by value: the
 * apiserver stores them in canonical form (1000m as 1, 0.25Gi as 256Mi), the same quantity,
 * not drift.
 */
export function containsDesired(
  observed: KubernetesObject & { spec?: unknown },
  desired: KubernetesObject & { spec?: unknown },
): boolean {
  const { metadata: have = {} } = observed;
  const { metadata: want = {} } = desired;
  return (
    contains(have.labels, want.labels) &&
    contains(have.annotations, want.annotations) &&
    contains(have.ownerReferences, want.ownerReferences) &&
    contains(observed.spec, desired.spec, { quantities: true })
  );
}

interface Reading {
  /** Quantities under `resources` compare by value. */
  readonly quantities: boolean;
}

const LITERAL: Reading = { quantities: false };

/** contains tells whether `actual` holds every value `wanted` holds, recursively. */
export function contains(actual: unknown, wanted: unknown, reading: Reading = LITERAL): boolean {
  if (wanted === undefined) return true;
  if (Array.isArray(wanted)) return containsList(actual, wanted, reading);
  if (wanted instanceof Date)
    return actual instanceof Date && actual.getTime() === wanted.getTime();
  if (isRecord(wanted)) return containsFields(actual, wanted, reading);
  return actual === wanted;
}

function containsList(actual: unknown, wanted: readonly unknown[], reading: Reading): boolean {
  return (
    Array.isArray(actual) &&
    actual.length === wanted.length &&
    wanted.every((item, i) => contains(actual[i], item, reading))
  );
}

function containsFields(
  actual: unknown,
  wanted: Record<string, unknown>,
  reading: Reading,
): boolean {
  if (!isRecord(actual)) return false;
  return Object.entries(wanted).every(([key, value]) =>
    key === 'resources' && reading.quantities
      ? containsResources(actual[key], value)
      : contains(actual[key], value, reading),
  );
}

// containsResources: `limits` and `requests`, each a map of quantities compared by value.
function containsResources(actual: unknown, wanted: unknown): boolean {
  if (!isRecord(wanted) || !isRecord(actual)) return contains(actual, wanted);
  return Object.entries(wanted).every(([kind, quantities]) => {
    const have = actual[kind];
    if (!isRecord(quantities) || !isRecord(have)) return contains(have, quantities);
    return Object.entries(quantities).every(([name, quantity]) =>
      sameQuantity(have[name], quantity),
    );
  });
}

function sameQuantity(actual: unknown, wanted: unknown): boolean {
  if (typeof actual !== 'string' || typeof wanted !== 'string') return contains(actual, wanted);
  return actual === wanted || quantityValue(actual) === quantityValue(wanted);
}

function quantityValue(text: string): number {
  return Number(parseQuantity(text).toPrecision(15));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
