// Drift: whether an observed object still holds every field the operator sets. The
// apiserver adds defaults and other managers add their own fields, so the observed object
// may hold more; it must hold each of ours with our value. Lists must match in length and
// order, as server-side apply would set them for the fields we own.
import type { KubernetesObject } from '@kubernetes/client-node';

/** containsDesired tells whether `observed` carries the labels, annotations, owners and spec of `desired`. */
export function containsDesired(
  observed: KubernetesObject & { spec?: unknown },
  desired: KubernetesObject & { spec?: unknown },
): boolean {
  const pick = (object: KubernetesObject & { spec?: unknown }): unknown => ({
    labels: object.metadata?.labels,
    annotations: object.metadata?.annotations,
    ownerReferences: object.metadata?.ownerReferences,
    spec: object.spec,
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
