// What the caches keep of each object: only the fields the operator reads. A cached object
// is never written back whole: status goes through the status subresource, which keeps the
// stored spec and metadata whatever the body says (the resourceVersion excepted, which is
// kept), and managedFields left out of a body are taken from the stored object.
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node';
import type { CacheKind } from './caches.ts';

/** LAST_APPLIED is kubectl's copy of the last applied object; no reader needs it. */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Shape turns an object as listed or watched into what the cache keeps of it. */
export type Shape = (object: KubernetesObject) => KubernetesObject;

type Loose = KubernetesObject & { spec?: unknown; status?: unknown; data?: unknown };

/**
 * shapeFor is the shape of one cache's objects. Every kind keeps its identity, labels,
 * annotations (but kubectl's last-applied copy), owners, generation and timestamps, never
 * managedFields. Beyond that:
 * - AwsCheck, AwsCredentialRef: spec and status whole (the schemas parse them; status is
 *   compared with the status planned).
 * - CronJob: spec whole (drift is judged on every field the operator sets), no status.
 * - Job: spec.suspend and spec.activeDeadlineSeconds (the run queue, deadlines), status.
 * - Pod: status.phase and status.containerStatuses (the checker's end), no spec.
 * - Namespace: metadata only (plan labels, the UID the ExternalId derives from).
 * - Plan catalog ConfigMap: data whole.
 */
export function shapeFor(kind: CacheKind): Shape {
  return SHAPES[kind];
}

const SHAPES: Readonly<Record<CacheKind, Shape>> = {
  checks: (object) => custom(object),
  credentials: (object) => custom(object),
  cronJobs: (object) => loose({ ...identity(object), spec: (object as Loose).spec }),
  jobs: (object) => shapeJob(object),
  pods: (object) => shapePod(object),
  namespaces: (object) => identity(object),
  catalog: (object) => loose({ ...identity(object), data: (object as Loose).data }),
};

function custom(object: KubernetesObject): KubernetesObject {
  const { spec, status } = object as Loose;
  return loose({ ...identity(object), spec, status });
}

function shapeJob(object: KubernetesObject): KubernetesObject {
  const { spec, status } = object as Loose & {
    spec?: { suspend?: boolean; activeDeadlineSeconds?: number };
  };
  const kept = { suspend: spec?.suspend, activeDeadlineSeconds: spec?.activeDeadlineSeconds };
  return loose({ ...identity(object), spec: defined(kept), status });
}

function shapePod(object: KubernetesObject): KubernetesObject {
  const { status } = object as Loose & {
    status?: { phase?: string; containerStatuses?: unknown[] };
  };
  const kept =
    status === undefined
      ? undefined
      : defined({ phase: status.phase, containerStatuses: status.containerStatuses });
  return loose({ ...identity(object), status: kept });
}

// identity: apiVersion, kind and the metadata any reader looks at.
function identity(object: KubernetesObject): KubernetesObject {
  const meta: V1ObjectMeta = object.metadata ?? {};
  const annotations = withoutLastApplied(meta.annotations);
  const metadata = defined({
    name: meta.name,
    namespace: meta.namespace,
    uid: meta.uid,
    resourceVersion: meta.resourceVersion,
    generation: meta.generation,
    creationTimestamp: meta.creationTimestamp,
    deletionTimestamp: meta.deletionTimestamp,
    labels: meta.labels,
    annotations,
    ownerReferences: meta.ownerReferences,
  });
  return defined({ apiVersion: object.apiVersion, kind: object.kind, metadata });
}

function withoutLastApplied(
  annotations: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (annotations === undefined || !(LAST_APPLIED in annotations)) return annotations;
  return Object.fromEntries(Object.entries(annotations).filter(([key]) => key !== LAST_APPLIED));
}

type Defined<T> = { [K in keyof T]?: Exclude<T[K], undefined> };

// defined: the object without its undefined fields, so a shaped object equals its JSON.
function defined<T extends object>(object: T): Defined<T> {
  return Object.fromEntries(
    Object.entries(object).filter(([, value]) => value !== undefined),
  ) as Defined<T>;
}

// loose: a shaped object with its kind's own fields (spec, status, data), none undefined.
function loose(object: KubernetesObject & Record<string, unknown>): KubernetesObject {
  return defined(object);
}
