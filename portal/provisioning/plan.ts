// What a tenant's namespace holds for a state, decided from facts alone: the pure half of
// provisioning (the Provisioner only reads and applies). Every object is written by server-
// side apply under one field manager, so planning the same state twice plans the same bytes.
import type {
  V1LimitRange,
  V1Namespace,
  V1NetworkPolicy,
  V1ObjectMeta,
  V1ResourceQuota,
  V1RoleBinding,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type { Plan } from '../../operator/plans/catalog.ts';
import {
  PLAN_LABEL,
  STRIPE_CUSTOMER_ANNOTATION,
  STRIPE_SUBSCRIPTION_ANNOTATION,
  SUBSCRIPTION_STATUS_ANNOTATION,
  TENANT_CLUSTER_ROLE,
  TENANT_LABEL,
  TENANT_SERVICE_ACCOUNT,
  tenantNamespace,
} from '../../operator/plans/tenancy.ts';
import { cpuMillis, memoryBytes } from '../../operator/quantity.ts';
import type { TenantState } from './tenant-state.ts';

/** PORTAL_FIELD_MANAGER is the one field manager of everything the portal writes. */
export const PORTAL_FIELD_MANAGER = 'awscheck-portal';

/** MANAGED_BY_LABEL marks what the portal provisioned (value PORTAL_FIELD_MANAGER). */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';

/** STATE_VERSION_ANNOTATION records the version of the state the Namespace says. */
export const STATE_VERSION_ANNOTATION = 'awscheck.io/state-version';

/** SUBSCRIPTION_VERSION_ANNOTATION records the version of the subscription's last event applied. */
export const SUBSCRIPTION_VERSION_ANNOTATION = 'awscheck.io/subscription-version';

/** FREE_SINCE_ANNOTATION records the version of the latest choice of the free plan. */
export const FREE_SINCE_ANNOTATION = 'awscheck.io/free-since';

/**
 * PROVISIONED_ANNOTATION records the state version whose children were all applied. It is
 * written last, so a Namespace whose marker lags its version was left mid-way (a crash)
 * and is finished by the next delivery or resync.
 */
export const PROVISIONED_ANNOTATION = 'awscheck.io/provisioned-version';

/** Names of the objects inside a tenant namespace. */
export const QUOTA_NAME = 'awscheck-plan';
export const LIMIT_RANGE_NAME = 'awscheck-plan';
export const ROLE_BINDING_NAME = 'awscheck-tenant';
export const NETWORK_POLICY_NAME = 'awscheck-default-deny';

/**
 * OPERATOR_JOB_HISTORY is the finished Jobs each check keeps per kind of history (CronJob
 * successes, CronJob failures, runs it owns directly): the operator's default
 * AWSCHECK_JOB_HISTORY (operator/config.ts). An operator configured to keep more needs a
 * larger job quota than jobsQuota computes.
 */
export const OPERATOR_JOB_HISTORY = 3;

/** ChildObject is one object applied inside a tenant namespace. */
export type ChildObject =
  V1ResourceQuota | V1LimitRange | V1ServiceAccount | V1RoleBinding | V1NetworkPolicy;

/** TenantPlan is everything a tenant state becomes. */
export interface TenantPlan {
  readonly namespace: V1Namespace;
  /** children in apply order; applied after the Namespace, before the marker. */
  readonly children: readonly ChildObject[];
}

/**
 * jobsQuota is the Jobs a tenant may hold at once (count/jobs.batch counts every Job,
 * finished and suspended ones included). What the operator keeps, per its code:
 * - per check, its CronJob's history: `history` succeeded and `history` failed Jobs
 *   (operator/controller/cronjob.ts successfulJobsHistoryLimit / failedJobsHistoryLimit);
 * - per check, up to `history` finished Jobs the check owns directly (the first run after
 *   each spec edit, run-now), pruned beyond that (check-plan.ts recordedToDelete);
 * - per credential ref, the recorded latest validation Job plus one running
 *   (credential-plan.ts validationsToDelete keeps only the recorded one);
 * - the runs in flight, at most maxConcurrentRuns;
 * - one queued Job per check and per credential ref: in tenant namespaces Jobs are created
 *   suspended and the operator resumes at most maxConcurrentRuns at a time, so every check
 *   and ref may have one waiting at once (the `pods` quota stays the concurrency backstop).
 * So: maxChecks × 3 × history + 2 × maxCredentialRefs + maxConcurrentRuns
 *     + maxChecks + maxCredentialRefs.
 */
export function jobsQuota(plan: Plan, history = OPERATOR_JOB_HISTORY): number {
  const kept = plan.maxChecks * 3 * history + 2 * plan.maxCredentialRefs + plan.maxConcurrentRuns;
  const queued = plan.maxChecks + plan.maxCredentialRefs;
  return kept + queued;
}

const MI = 2 ** 20;
const bytesQuantity = (bytes: number): string =>
  bytes % MI === 0 ? `${bytes / MI}Mi` : String(bytes);

/**
 * quotaHard is the ResourceQuota's hard limits. `pods` bounds concurrency (quota counts
 * only non-terminal pods), and cpu/memory allow exactly that many checker pods of the
 * plan's size. A plan of zeros (suspended) admits no new object and no run; existing
 * objects stay, as a quota never deletes.
 */
export function quotaHard(plan: Plan): Record<string, string> {
  const runs = plan.maxConcurrentRuns;
  const cpu = `${runs * cpuMillis(plan.checker.cpu)}m`;
  const memory = bytesQuantity(runs * memoryBytes(plan.checker.memory));
  return {
    'count/awschecks.awscheck.io': String(plan.maxChecks),
    'count/awscredentialrefs.awscheck.io': String(plan.maxCredentialRefs),
    'count/jobs.batch': String(jobsQuota(plan)),
    pods: String(runs),
    'requests.cpu': cpu,
    'limits.cpu': cpu,
    'requests.memory': memory,
    'limits.memory': memory,
  };
}

/** NamespaceExtras are what the Provisioner adds: a resourceVersion precondition, the marker. */
export interface NamespaceExtras {
  readonly resourceVersion?: string | undefined;
  /** provisioned: set the PROVISIONED_ANNOTATION to the state's version. */
  readonly provisioned?: boolean;
}

/** namespaceOf is the tenant's Namespace for a state, with the Provisioner's extras. */
export function namespaceOf(state: TenantState, extras: NamespaceExtras = {}): V1Namespace {
  const billing =
    state.billing === undefined
      ? {}
      : {
          [STRIPE_CUSTOMER_ANNOTATION]: state.billing.customerId,
          [STRIPE_SUBSCRIPTION_ANNOTATION]: state.billing.subscriptionId,
          [SUBSCRIPTION_STATUS_ANNOTATION]: state.billing.status,
          [SUBSCRIPTION_VERSION_ANNOTATION]: state.billing.version,
        };
  const free = state.freeSince === undefined ? {} : { [FREE_SINCE_ANNOTATION]: state.freeSince };
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: tenantNamespace(state.tenantId),
      labels: {
        [TENANT_LABEL]: state.tenantId,
        [PLAN_LABEL]: state.plan,
        [MANAGED_BY_LABEL]: PORTAL_FIELD_MANAGER,
      },
      annotations: {
        ...billing,
        ...free,
        [STATE_VERSION_ANNOTATION]: state.version,
        ...(extras.provisioned === true ? { [PROVISIONED_ANNOTATION]: state.version } : {}),
      },
      ...(extras.resourceVersion === undefined ? {} : { resourceVersion: extras.resourceVersion }),
    },
  };
}

const metadata = (name: string, namespace: string): V1ObjectMeta => ({
  name,
  namespace,
  labels: { [MANAGED_BY_LABEL]: PORTAL_FIELD_MANAGER },
});

function quotaOf(plan: Plan, namespace: string): V1ResourceQuota {
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: metadata(QUOTA_NAME, namespace),
    spec: { hard: quotaHard(plan) },
  };
}

function limitRangeOf(plan: Plan, namespace: string): V1LimitRange {
  const size = { cpu: plan.checker.cpu, memory: plan.checker.memory };
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: metadata(LIMIT_RANGE_NAME, namespace),
    // `_default` is client-node's name for the field `default` (its serializer renames it).
    spec: { limits: [{ type: 'Container', _default: size, defaultRequest: size, max: size }] },
  };
}

// The tenant's ServiceAccount mounts no token into pods: tenants act as it only through
// the short-lived kubeconfig token the portal mints (portal/kubeconfig.ts).
function serviceAccountOf(namespace: string): V1ServiceAccount {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: metadata(TENANT_SERVICE_ACCOUNT, namespace),
    automountServiceAccountToken: false,
  };
}

function roleBindingOf(namespace: string): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: metadata(ROLE_BINDING_NAME, namespace),
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: TENANT_CLUSTER_ROLE,
    },
    subjects: [{ kind: 'ServiceAccount', name: TENANT_SERVICE_ACCOUNT, namespace }],
  };
}

/**
 * networkPolicyOf denies all ingress to the tenant's pods (the checker serves nothing)
 * and allows egress only to DNS (53, to resolve AWS endpoints) and HTTPS (443: every AWS
 * API the checker calls). Port 80 stays closed, which also keeps the instance metadata
 * service (169.254.169.254:80) out of reach, so no pod borrows the node's AWS identity.
 */
function networkPolicyOf(namespace: string): V1NetworkPolicy {
  const anywhere = [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }];
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(NETWORK_POLICY_NAME, namespace),
    spec: {
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [
        {
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        { to: anywhere, ports: [{ protocol: 'TCP', port: 443 }] },
      ],
    },
  };
}

/**
 * planTenant is the Namespace and children that say `state` under `plan` (the catalog's
 * plan named state.plan). The Namespace carries the tenant and plan labels, the Stripe ids
 * and status and the state's version; it never carries the provisioned marker, which the
 * Provisioner adds last.
 */
export function planTenant(state: TenantState, plan: Plan): TenantPlan {
  const namespace = tenantNamespace(state.tenantId);
  return {
    namespace: namespaceOf(state),
    children: [
      quotaOf(plan, namespace),
      limitRangeOf(plan, namespace),
      serviceAccountOf(namespace),
      roleBindingOf(namespace),
      networkPolicyOf(namespace),
    ],
  };
}
