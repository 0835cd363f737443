// The operator's install as a cdk8s chart, for `kubectl apply --server-side`: everything the
// Helm chart installs with its default values, built from the same declarations the
// generator writes (CRDs, RBAC, admission fence, plan catalog) and the operator's own
// configuration defaults (operator/config.ts). `npm run generate` writes it as
// INSTALL_FILE; `node cdk8s/synth.ts` prints it for another namespace or image.
import type {
  V1Deployment,
  V1EnvVar,
  V1Lease,
  V1ObjectMeta,
  V1PodDisruptionBudget,
  V1PodSpec,
  V1Service,
  V1TopologySpreadConstraint,
} from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { ApiObject, App, Chart, type ApiObjectMetadata } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import { stringify } from 'yaml';
import { admissionManifests, DEFAULT_INSTALL } from '../operator/admission.ts';
import { crdOf } from '../operator/api/crd.ts';
import { KINDS } from '../operator/api/generated-files.ts';
import { loadConfig, type OperatorConfig } from '../operator/config.ts';
import { catalogConfigMap } from '../operator/plans/configmap.ts';
import {
  LEASE_FLOW_DEFAULTS,
  LEASE_FLOW_SCHEMA,
  leaseFlowSchema,
} from '../operator/flow-schema.ts';
import { rbacManifests, tenantRoleManifest } from '../operator/rbac.ts';
import { operatorBindings } from '../charts/bindings.ts';

/** INSTALL_DIR holds only the generated install manifest. */
export const INSTALL_DIR = 'cdk8s/manifests';
/** INSTALL_FILE is the manifest `kubectl apply --server-side -f` installs the operator with. */
export const INSTALL_FILE = `${INSTALL_DIR}/install.yaml`;

/** NAME names the operator's ServiceAccount, Deployment, PDB and (with -metrics) Service. */
export const NAME = 'awscheck-operator';
/**
 * INSTANCE is `app.kubernetes.io/instance` of every object: the release name the Helm chart
 * renders the same objects with, so that both install the same thing.
 */
export const INSTANCE = 'awscheck-operator';

/** InstallOptions are what one install chooses; the defaults are the Helm chart's. */
export interface InstallOptions {
  /** The operator's namespace (the install creates it). */
  readonly namespace: string;
  /** The one image: the operator's, and the checker pods' (the fence admits only this). */
  readonly image: string;
}

/** DEFAULT_OPTIONS install into awscheck-system with the released image. */
export const DEFAULT_OPTIONS: InstallOptions = {
  namespace: DEFAULT_INSTALL.namespace,
  image: DEFAULT_INSTALL.checkerImage,
};

/**
 * VERSION is the package's version, which `app.kubernetes.io/version` carries as the chart's
 * appVersion does: whatever the image is named by, a tag or a digest (no valid label).
 */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

/** HTTP_PORT_NAME names the container port of /healthz, /readyz and /metrics. */
const HTTP_PORT_NAME = 'http';
/** RUN_AS is the Dockerfile's non-root user and group. */
const RUN_AS = 65532;
/** PROBE_TIMEOUT_SECONDS lets a loaded replica answer a probe; the kubelet's default is 1 s. */
const PROBE_TIMEOUT_SECONDS = 3;
/** TMP_SIZE bounds the writable /tmp of the read-only root filesystem. */
const TMP_SIZE = '16Mi';

const selectorLabels = { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/instance': INSTANCE };
const operatorSelector = { ...selectorLabels, 'app.kubernetes.io/component': 'operator' };

/** commonLabels are on every object of the install. */
const commonLabels: Readonly<Record<string, string>> = {
  'app.kubernetes.io/part-of': 'awscheck-operator',
  'app.kubernetes.io/instance': INSTANCE,
  'app.kubernetes.io/version': VERSION,
};

/** operatorLabels are on every object of the operator component, its selector's among them. */
const operatorLabels: Readonly<Record<string, string>> = { ...commonLabels, ...operatorSelector };

/**
 * operatorConfig is the configuration the Deployment gives the operator: its defaults, with
 * this install's namespace and image.
 */
export function operatorConfig(options: InstallOptions): OperatorConfig {
  return loadConfig({
    AWSCHECK_CHECKER_IMAGE: options.image,
    AWSCHECK_NAMESPACE: options.namespace,
  });
}

const seconds = (ms: number): string => String(ms / 1000);

/** operatorEnv writes a configuration as the environment loadConfig reads it back from. */
export function operatorEnv(config: OperatorConfig): V1EnvVar[] {
  const values: (readonly [string, string])[] = [
    ['AWSCHECK_NAMESPACE', config.namespace],
    ['AWSCHECK_CHECKER_IMAGE', config.checkerImage],
    ['AWSCHECK_IMAGE_PULL_POLICY', config.imagePullPolicy],
    ['AWSCHECK_CHECKER_CPU', config.checkerResources.cpu],
    ['AWSCHECK_CHECKER_CPU_LIMIT', config.checkerResources.cpuLimit],
    ['AWSCHECK_CHECKER_MEMORY', config.checkerResources.memory],
    ['AWSCHECK_JOB_HISTORY', String(config.jobHistory)],
    ['AWSCHECK_HTTP_PORT', String(config.httpPort)],
    ['AWSCHECK_WORKERS', String(config.workers)],
    ['AWSCHECK_RESYNC_SECONDS', seconds(config.resyncMs)],
    ['AWSCHECK_REVALIDATE_SECONDS', seconds(config.revalidateMs)],
    ['AWSCHECK_LOG_LEVEL', config.logLevel],
    ['AWSCHECK_KUBE_QPS', String(config.kubeClient.qps)],
    ['AWSCHECK_KUBE_BURST', String(config.kubeClient.burst)],
    // No selector: the one Deployment serves every namespace.
    ...(config.shardSelector === undefined
      ? []
      : ([['AWSCHECK_SHARD_SELECTOR', config.shardSelector]] as const)),
    ['AWSCHECK_LEASE_NAME', config.lease.name],
    ['AWSCHECK_LEASE_DURATION_SECONDS', seconds(config.lease.durationMs)],
    ['AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS', seconds(config.lease.renewDeadlineMs)],
    ['AWSCHECK_LEASE_RETRY_SECONDS', seconds(config.lease.retryPeriodMs)],
    ['AWSCHECK_ALLOW_PLATFORM_IDENTITY', String(config.platformIdentity !== undefined)],
    // Allowing the platform identity needs the role it is, or loadConfig refuses to start.
    ...(config.platformIdentity === undefined
      ? []
      : ([
          ['AWSCHECK_PLATFORM_ROLE_ARN', config.platformIdentity.roleArn],
          ['AWSCHECK_PLATFORM_TOKEN_AUDIENCE', config.platformIdentity.audience],
        ] as const)),
  ];
  // The Lease holder's identity is the Pod's own name.
  const podName = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } };
  return [podName, ...values.map(([name, value]) => ({ name, value }))];
}

/** The restricted Pod Security Standard, on the pod and on its one container. */
const podSecurity = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  fsGroup: RUN_AS,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Replicas spread over nodes and zones where they can; one leads, the others stand by. */
const spread = (topologyKey: string): V1TopologySpreadConstraint => ({
  maxSkew: 1,
  topologyKey,
  whenUnsatisfiable: 'ScheduleAnyway',
  labelSelector: { matchLabels: operatorSelector },
});

function operatorPod(config: OperatorConfig): V1PodSpec {
  return {
    serviceAccountName: NAME,
    // The ServiceAccount mounts no token by default; the operator's own pods need theirs.
    automountServiceAccountToken: true,
    securityContext: podSecurity,
    // A graceful stop drains the workers and releases the Lease within lease duration +
    // renew deadline (operator/main.ts); the kubelet waits that long, and a little more.
    terminationGracePeriodSeconds:
      (config.lease.durationMs + config.lease.renewDeadlineMs) / 1000 + 5,
    topologySpreadConstraints: [
      spread('kubernetes.io/hostname'),
      spread('topology.kubernetes.io/zone'),
    ],
    containers: [
      {
        name: 'operator',
        image: config.checkerImage,
        imagePullPolicy: 'IfNotPresent',
        env: operatorEnv(config),
        ports: [{ name: HTTP_PORT_NAME, containerPort: config.httpPort, protocol: 'TCP' }],
        livenessProbe: {
          httpGet: { path: '/healthz', port: HTTP_PORT_NAME },
          periodSeconds: 10,
          timeoutSeconds: PROBE_TIMEOUT_SECONDS,
          failureThreshold: 3,
        },
        readinessProbe: {
          httpGet: { path: '/readyz', port: HTTP_PORT_NAME },
          periodSeconds: 5,
          timeoutSeconds: PROBE_TIMEOUT_SECONDS,
          failureThreshold: 3,
        },
        resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
        securityContext: containerSecurity,
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    // The root filesystem is read-only; Node may still want a writable /tmp.
    volumes: [{ name: 'tmp', emptyDir: { sizeLimit: TMP_SIZE } }],
  };
}

function operatorDeployment(options: InstallOptions): V1Deployment {
  const labels = operatorLabels;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: options.namespace, labels },
    spec: {
      replicas: 2,
      revisionHistoryLimit: 3,
      // A new replica is ready before an old one stops; the Lease moves to a standby.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      selector: { matchLabels: operatorSelector },
      template: { metadata: { labels }, spec: operatorPod(operatorConfig(options)) },
    },
  };
}

/**
 * leaderLease is the Lease the replicas elect a leader with: the operator would create it, the
 * install does so that deleting the install removes it. It sets no spec (the operator's
 * alone) and no label that changes between versions, so re-applying never contends with
 * the leader.
 */
function leaderLease(options: InstallOptions): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: operatorConfig(options).lease.name,
      namespace: options.namespace,
      labels: {
        'app.kubernetes.io/part-of': 'awscheck-operator',
        'app.kubernetes.io/instance': INSTANCE,
      },
    },
  };
}

/** A voluntary disruption (a node drain) keeps one replica, so a standby can lead. */
function disruptionBudget(options: InstallOptions): V1PodDisruptionBudget {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: NAME, namespace: options.namespace, labels: operatorLabels },
    spec: {
      minAvailable: 1,
      // A crash-looping replica is never Ready: evicting it cannot cost availability, and
      // it must never block a node drain.
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: operatorSelector },
    },
  };
}

function metricsService(options: InstallOptions): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${NAME}-metrics`,
      namespace: options.namespace,
      labels: operatorLabels,
    },
    spec: {
      type: 'ClusterIP',
      selector: operatorSelector,
      ports: [{ name: 'http-metrics', port: 8080, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
    },
  };
}

/** Manifest is a Kubernetes object as our declarations write it. */
interface Manifest {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?: V1ObjectMeta | undefined;
}

/** metadataOf keeps what our declarations set: name, namespace, labels and annotations. */
function metadataOf(
  name: string,
  namespace: string | undefined,
  from: V1ObjectMeta,
): ApiObjectMetadata {
  return {
    name,
    ...(namespace !== undefined && { namespace }),
    ...(from.labels !== undefined && { labels: from.labels }),
    ...(from.annotations !== undefined && { annotations: from.annotations }),
  };
}

/** apiObject adds a declared object to the chart as it is, in the namespace given if it has none. */
function apiObject(scope: Construct, manifest: Manifest, namespace?: string): ApiObject {
  const { apiVersion, kind, metadata = {}, ...rest } = manifest;
  const { name } = metadata;
  if (apiVersion === undefined || kind === undefined || name === undefined) {
    throw new Error(
      `a manifest lacks apiVersion, kind or metadata.name: ${JSON.stringify(manifest)}`,
    );
  }
  const objectNamespace = metadata.namespace ?? namespace;
  const id = [kind, objectNamespace, name].filter((part) => part !== undefined).join('-');
  return new ApiObject(scope, id, {
    apiVersion,
    kind,
    metadata: metadataOf(name, objectNamespace, metadata),
    ...rest,
  });
}

/**
 * OperatorInstall is the operator's install, in apply order: the namespace (restricted Pod
 * Security), the CRDs, RBAC and bindings, the admission fence (its parameters before its
 * bindings), the plan catalog, the leader Lease and its FlowSchema, then the operator.
 */
export class OperatorInstall extends Chart {
  public constructor(scope: Construct, id: string, options: InstallOptions = DEFAULT_OPTIONS) {
    super(scope, id, { disableResourceNameHashes: true });
    const { namespace } = options;
    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: namespace,
        labels: {
          ...commonLabels,
          'pod-security.kubernetes.io/enforce': 'restricted',
        },
      },
    });
    for (const definition of KINDS) apiObject(this, crdOf(definition));
    new kplus.ServiceAccount(this, 'service-account', {
      metadata: { name: NAME, namespace, labels: operatorLabels },
    });
    for (const manifest of [
      ...rbacManifests(),
      tenantRoleManifest(),
      ...operatorBindings(namespace, NAME),
    ]) {
      apiObject(this, manifest, manifest.kind === 'Role' ? namespace : undefined);
    }
    const operatorUsername = `system:serviceaccount:${namespace}:${NAME}`;
    for (const manifest of admissionManifests({
      namespace,
      operatorUsername,
      checkerImage: options.image,
    })) {
      apiObject(this, manifest);
    }
    apiObject(this, catalogConfigMap(namespace));
    apiObject(this, leaderLease(options));
    apiObject(this, {
      ...leaseFlowSchema({ namespace, serviceAccount: NAME, ...LEASE_FLOW_DEFAULTS }),
      metadata: { name: LEASE_FLOW_SCHEMA, labels: operatorLabels },
    });
    apiObject(this, operatorDeployment(options));
    apiObject(this, disruptionBudget(options));
    apiObject(this, metricsService(options));
  }
}

/** installManifests are the install's objects, as plain JSON in apply order. */
export function installManifests(
  options: InstallOptions = DEFAULT_OPTIONS,
): Record<string, unknown>[] {
  const chart = new OperatorInstall(new App(), 'install', options);
  return chart.toJson() as Record<string, unknown>[];
}

/** installYaml is the install as one YAML stream, headed by where it comes from. */
export function installYaml(options: InstallOptions = DEFAULT_OPTIONS): string {
  const generated =
    options.namespace === DEFAULT_OPTIONS.namespace && options.image === DEFAULT_OPTIONS.image;
  const header = generated
    ? [
        '# Generated by `npm run generate` (operator/api/generate.ts) from cdk8s/install.ts.',
        '# Do not edit: change the declarations and run the generator again.',
      ]
    : [
        '# Synthesized by `npm run synth` (cdk8s/synth.ts) from cdk8s/install.ts',
        `# for namespace ${options.namespace} and image ${options.image}.`,
      ];
  const documents = installManifests(options).map((manifest) =>
    stringify(manifest, { lineWidth: 0, singleQuote: true }),
  );
  return [
    ...header,
    '# Install: kubectl apply --server-side -f <this file>',
    documents.join('---\n'),
  ].join('\n');
}
