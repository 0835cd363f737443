// Drift: whether an observed object still holds every field the operator sets. The
// apiserver adds defaults and other managers add their own fields, so the observed object
// may hold more; it must hold each of ours with our value. Lists must match in length and
// order, as server-side apply would set them for the fields we own.
import type { KubernetesObject } from '@kubernetes/client-node';
import { parseQuantity } from '../quantity.ts';

/** containsDesired tells whether `observed` carries the labels, annotations, owners and spec of `desired`. */
export function containsDesired(
  observed: KubernetesObject & { spec?: unknown },
  desired: KubernetesObject & { spec?: unknown },
): boolean {
  const pick = (object: KubernetesObject & { spec?: unknown }): unknown => ({
    labels: object.metadata?.labels,
    annotations: object.metadata?.annotations,
    ownerReferences: object.metadata?.ownerReferences,
    spec: withQuantityValues(object.spec),
  });
  return contains(pick(observed), pick(desired));
}

/** contains tells whether `actual` holds every value `wanted` holds, recursively. */
export function contains(actual: unknown, wanted: unknown): boolean {
  if (wanted === undefined) return true;
  if (Array.isArray(wanted)) return containsList(actual, wanted);
  if (wanted instanceof Date)
    return actual instanceof Date && actual.getTime() === wanted.getTime();
  if (typeof wanted === 'object' && wanted !== null) return containsFields(actual, wanted);
  return actual === wanted;
}

function containsList(actual: unknown, wanted: readonly unknown[]): boolean {
  return (
    Array.isArray(actual) &&
    actual.length === wanted.length &&
    wanted.every((item, i) => contains(actual[i], item))
  );
}

function containsFields(actual: unknown, wanted: object): boolean {
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
  const record = actual as Record<string, unknown>;
  return Object.entries(wanted).every(([key, value]) => contains(record[key], value));
}

/**
 * withQuantityValues replaces the quantities of every `resources` (limits, requests) by
 * their value: the apiserver stores them in canonical form (1000m as 1, 0.25Gi as 256Mi),
 * which is the same quantity, not drift.
 */
export function withQuantityValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withQuantityValues);
  if (typeof value !== 'object' || value === null || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === 'resources' ? resourceValues(item) : withQuantityValues(item),
    ]),
  );
}

function resourceValues(resources: unknown): unknown {
  if (typeof resources !== 'object' || resources === null) return resources;
  return Object.fromEntries(
    Object.entries(resources).map(([kind, quantities]) => [kind, quantityValues(quantities)]),
  );
}

function quantityValues(quantities: unknown): unknown {
  if (typeof quantities !== 'object' || quantities === null) return quantities;
  return Object.fromEntries(
    Object.entries(quantities).map(([name, text]) => [
      name,
      typeof text === 'string' ? Number(parseQuantity(text).toPrecision(15)) : text,
    ]),
  );
}
