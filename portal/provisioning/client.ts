// The apiserver calls provisioning makes, as one small interface: the Provisioner depends
// on this, so a test can wrap the real client to fail the nth write (a crash mid-way).
// Every call has a deadline: one stalled connection must not hang a tenant's serialized
// provisioning, nor the resync loop, forever.
import {
  ApiException,
  type KubernetesObject,
  type V1Namespace,
  type V1ResourceQuota,
} from '@kubernetes/client-node';
import { apply, makeTypedClients } from '../../operator/kube-typed.ts';
import { TENANT_LABEL } from '../../operator/plans/tenancy.ts';
import type { PortalKube } from '../deps.ts';
import { PORTAL_FIELD_MANAGER, QUOTA_NAME } from './plan.ts';

/** ProvisionClient reads tenant namespaces and writes by server-side apply. */
export interface ProvisionClient {
  /** readNamespace is the Namespace, or undefined when there is none. */
  readNamespace(name: string): Promise<V1Namespace | undefined>;
  /** createNamespace creates it; an existing one is a 409 ApiException. */
  createNamespace(namespace: V1Namespace): Promise<V1Namespace>;
  /** apply server-side applies under PORTAL_FIELD_MANAGER, forcing conflicts. */
  apply<T extends KubernetesObject>(object: T): Promise<T>;
  /** listTenantNamespaces are every Namespace carrying TENANT_LABEL. */
  listTenantNamespaces(): Promise<V1Namespace[]>;
  /** readQuota is a tenant namespace's plan quota, or undefined. */
  readQuota(namespace: string): Promise<V1ResourceQuota | undefined>;
  /** readObject is the live object of a planned one (by kind, namespace, name), or undefined. */
  readObject<T extends KubernetesObject>(object: T): Promise<T | undefined>;
}

/** isConflict tells whether an error is the apiserver's 409 (precondition or exists). */
export function isConflict(error: unknown): boolean {
  return error instanceof ApiException && error.code === 409;
}

async function orUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return undefined;
    throw error;
  }
}

/** ProvisionClientOptions: the deadline of each call (default: the clients' own). */
export interface ProvisionClientOptions {
  readonly requestTimeoutMs?: number;
}

/** provisionClient is the ProvisionClient of the portal's identity, every call bounded. */
export function provisionClient(
  kube: PortalKube,
  options: ProvisionClientOptions = {},
): ProvisionClient {
  const requestTimeoutMs = options.requestTimeoutMs ?? kube.requestTimeoutMs;
  const clients = makeTypedClients(kube.config, { requestTimeoutMs });
  const { core, objects } = clients;
  return {
    readNamespace: async (name) => orUndefined(core.readNamespace({ name })),
    createNamespace: async (body) =>
      core.createNamespace({ body, fieldManager: PORTAL_FIELD_MANAGER }),
    apply: async (object) => apply(clients, object, PORTAL_FIELD_MANAGER),
    listTenantNamespaces: async () =>
      (await core.listNamespace({ labelSelector: TENANT_LABEL })).items,
    readQuota: async (namespace) =>
      orUndefined(core.readNamespacedResourceQuota({ name: QUOTA_NAME, namespace })),
    readObject: async <T extends KubernetesObject>(object: T) =>
      orUndefined(
        objects.read<T>({
          apiVersion: object.apiVersion ?? '',
          kind: object.kind ?? '',
          metadata: {
            name: object.metadata?.name ?? '',
            namespace: object.metadata?.namespace ?? '',
          },
        }),
      ),
  };
}
