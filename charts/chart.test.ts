// The chart as helm sees it: lint, renders with the defaults and with every option on,
// values refused with a message naming them, pods inside the restricted Pod Security
// Standard, and monitoring objects valid against the prometheus-operator schemas.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  PrometheusRule,
  ServiceMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_ON_VALUES,
  CHART,
  helm,
  helmRefusal,
  renderChart,
  templateArgs,
  type KubeObject,
  type RenderedObject,
} from '../test/support/helm.ts';
import { repoPath } from '../test/env/paths.ts';
import { LEASE_FLOW_SCHEMA, leaseFlowSchema } from '../operator/flow-schema.ts';
import { DEFAULT_REPOSITORY } from './values.ts';

const PACKAGE_VERSION = (
  JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as { version: string }
).version;

const NAMESPACE = 'awscheck-system';

let defaults: RenderedObject[];
let allOn: RenderedObject[];

beforeAll(async () => {
  [{ objects: defaults }, { objects: allOn }] = await Promise.all([
    renderChart({ namespace: NAMESPACE }),
    renderChart({ namespace: NAMESPACE, valuesFiles: [ALL_ON_VALUES] }),
  ]);
}, 120_000);

const kindsOf = (objects: readonly RenderedObject[]): string[] =>
  objects.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort();

const find = (objects: readonly RenderedObject[], kind: string, name: string): KubeObject => {
  const found = objects.find(({ object }) => object.kind === kind && object.metadata.name === name);
  if (found === undefined) throw new Error(`no ${kind} ${name} rendered`);
  return found.object;
};

/** SHARDS_VALUES renders three shards of one release. */
const SHARDS_VALUES = join(CHART, 'ci/shards-values.yaml');

describe('helm lint', () => {
  it.each([
    ['the defaults', []],
    ['every option on', ['--values', ALL_ON_VALUES]],
    ['three shards', ['--values', SHARDS_VALUES]],
  ])('passes with %s, strictly', async (_, args) => {
    const { stdout } = await helm(['lint', '--strict', CHART, ...args]);

    expect(stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });
});

describe('helm template', () => {
  it('renders the operator, its RBAC, fence, plans and metrics Service by default, and nothing optional', () => {
    expect(kindsOf(defaults)).toEqual(
      [
        'ClusterRole/awscheck-operator',
        'ClusterRole/awscheck-tenant',
        'ClusterRoleBinding/awscheck-operator',
        'ConfigMap/awscheck-checker-pods',
        'ConfigMap/awscheck-plans',
        'Deployment/awscheck-operator',
        'FlowSchema/awscheck-operator-leases',
        'Lease/awscheck-operator',
        'PodDisruptionBudget/awscheck-operator',
        'Role/awscheck-operator-leader-election',
        'Role/awscheck-operator-plan-catalog',
        'RoleBinding/awscheck-operator-leader-election',
        'RoleBinding/awscheck-operator-plan-catalog',
        'Service/awscheck-operator-metrics',
        'ServiceAccount/awscheck-operator',
        'ValidatingAdmissionPolicy/awscheck-checker-pods-cronjobs',
        'ValidatingAdmissionPolicy/awscheck-checker-pods-jobs',
        'ValidatingAdmissionPolicyBinding/awscheck-checker-pods-cronjobs',
        'ValidatingAdmissionPolicyBinding/awscheck-checker-pods-jobs',
      ].sort(),
    );
  });

  it('adds monitoring, the portal with its RBAC, fence, Service and Ingress when every option is on', () => {
    const added = kindsOf(allOn).filter((entry) => !kindsOf(defaults).includes(entry));

    expect(added).toEqual(
      [
        'ClusterRole/awscheck-portal',
        'ClusterRoleBinding/awscheck-portal',
        'ConfigMap/awscheck-operator-dashboard',
        'Deployment/awscheck-portal',
        'Ingress/awscheck-portal',
        'Lease/awscheck-operator-all-on',
        'PrometheusRule/awscheck-operator',
        'Role/awscheck-portal-catalog',
        'RoleBinding/awscheck-portal-catalog',
        'Service/awscheck-portal',
        'ServiceAccount/awscheck-portal',
        'ServiceMonitor/awscheck-operator',
        `ValidatingAdmissionPolicy/awscheck-portal-tenants-only.${NAMESPACE}`,
        `ValidatingAdmissionPolicyBinding/awscheck-portal-tenants-only.${NAMESPACE}`,
      ].sort(),
    );
  });

  it('puts every namespaced object in the release namespace', () => {
    const clusterScoped = [
      'ClusterRole',
      'ClusterRoleBinding',
      'FlowSchema',
      'ValidatingAdmissionPolicy',
      'ValidatingAdmissionPolicyBinding',
    ];
    const misplaced = allOn
      .filter(
        ({ object }) =>
          !clusterScoped.includes(object.kind) && object.metadata.namespace !== NAMESPACE,
      )
      .map(({ object }) => `${object.kind}/${object.metadata.name}`);

    expect(misplaced).toEqual([]);
  });

  it('runs the operator with 2 replicas, probes on its HTTP port and a budget that keeps one', () => {
    const deployment = find(defaults, 'Deployment', 'awscheck-operator') as unknown as Workload;
    const [container] = deployment.spec.template.spec.containers;

    expect(deployment.spec.replicas).toBe(2);
    expect(container?.livenessProbe).toMatchObject({
      httpGet: { path: '/healthz', port: 'http' },
      timeoutSeconds: 3,
    });
    expect(container?.readinessProbe).toMatchObject({
      httpGet: { path: '/readyz', port: 'http' },
      timeoutSeconds: 3,
    });
    expect(container?.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(find(defaults, 'PodDisruptionBudget', 'awscheck-operator')).toMatchObject({
      spec: {
        minAvailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: deployment.spec.selector.matchLabels },
      },
    });
  });

  it('spreads the replicas across nodes and zones, selecting its own pods', () => {
    const deployment = find(defaults, 'Deployment', 'awscheck-operator') as unknown as Workload;
    const spread = deployment.spec.template.spec.topologySpreadConstraints ?? [];

    expect(spread.map((constraint) => constraint.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    for (const constraint of spread) {
      expect(constraint.labelSelector).toEqual({
        matchLabels: deployment.spec.selector.matchLabels,
      });
    }
  });

  it('renders no PodDisruptionBudget for a single replica, which would block every drain', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      setTyped: { 'operator.replicas': '1' },
    });

    expect(objects.map(({ object }) => object.kind)).not.toContain('PodDisruptionBudget');
  });

  it('serves the operator’s Lease requests at the leader-election level, as the operator’s ServiceAccount in its namespace', () => {
    const flowSchema = find(defaults, 'FlowSchema', LEASE_FLOW_SCHEMA);

    expect(flowSchema.spec).toEqual(
      leaseFlowSchema({
        namespace: NAMESPACE,
        serviceAccount: 'awscheck-operator',
        priorityLevel: 'leader-election',
        matchingPrecedence: 800,
      }).spec,
    );
  });

  it('takes the FlowSchema’s level and precedence from the values, and renders none when off', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      set: { 'operator.leaderElection.flowSchema.priorityLevel': 'system' },
      setTyped: { 'operator.leaderElection.flowSchema.matchingPrecedence': '500' },
    });
    const off = await renderChart({
      namespace: NAMESPACE,
      setTyped: { 'operator.leaderElection.flowSchema.enabled': 'false' },
    });

    expect(find(objects, 'FlowSchema', LEASE_FLOW_SCHEMA).spec).toMatchObject({
      priorityLevelConfiguration: { name: 'system' },
      matchingPrecedence: 500,
    });
    expect(off.objects.map(({ object }) => object.kind)).not.toContain('FlowSchema');
  });

  it('rolls a new replica in before an old one stops, by default', () => {
    const deployment = find(defaults, 'Deployment', 'awscheck-operator');

    expect((deployment.spec as { strategy: unknown }).strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it('renders a valid Recreate strategy, without the rollingUpdate Kubernetes refuses beside it', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      set: { 'operator.updateStrategy.type': 'Recreate' },
    });

    const deployment = find(objects, 'Deployment', 'awscheck-operator');
    expect((deployment.spec as { strategy: unknown }).strategy).toEqual({ type: 'Recreate' });
  });

  it('renders a rolling update by percentages', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      set: {
        'operator.updateStrategy.rollingUpdate.maxSurge': '25%',
        'operator.updateStrategy.rollingUpdate.maxUnavailable': '0%',
      },
    });

    const deployment = find(objects, 'Deployment', 'awscheck-operator');
    expect((deployment.spec as { strategy: unknown }).strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '0%' },
    });
  });

  it.each([
    ['the appVersion tag', {}, `${DEFAULT_REPOSITORY}:${PACKAGE_VERSION}`],
    ['a tag', { 'image.tag': '1.2.3' }, `${DEFAULT_REPOSITORY}:1.2.3`],
    [
      'a digest',
      { 'image.tag': '1.2.3', 'image.digest': DIGEST },
      `${DEFAULT_REPOSITORY}@${DIGEST}`,
    ],
  ])(
    'runs the operator, its checker pods and the fence on one image, named by %s',
    async (_, set, image) => {
      const { objects } = await renderChart({ namespace: NAMESPACE, set });

      expect(imagesOf(objects)).toEqual({ operator: image, checker: image, fence: image });
    },
  );

  it('pins a checker image of its own by its own digest, not the operator’s', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      set: {
        'image.digest': DIGEST,
        'checker.image.repository': 'registry.example/checker',
        'checker.image.digest': OTHER_DIGEST,
      },
    });

    const checker = `registry.example/checker@${OTHER_DIGEST}`;
    expect(imagesOf(objects)).toEqual({
      operator: `${DEFAULT_REPOSITORY}@${DIGEST}`,
      checker,
      fence: checker,
    });
  });

  it('passes the portal its secrets only by reference to an existing Secret', () => {
    const portal = find(allOn, 'Deployment', 'awscheck-portal') as unknown as Workload;
    const env = portal.spec.template.spec.containers[0]?.env ?? [];
    const secret = ['PORTAL_SESSION_SECRET', 'STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'];

    for (const name of secret) {
      expect(env.find((variable) => variable.name === name)).toEqual({
        name,
        valueFrom: { secretKeyRef: { name: 'awscheck-portal-secrets', key: name } },
      });
    }
    expect(allOn.map(({ object }) => object.kind)).not.toContain('Secret');
  });
});

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const OTHER_DIGEST = `sha256:${'cd34'.repeat(16)}`;

/** imagesOf are the operator's image, the checker image it is given and the one its fence admits. */
function imagesOf(objects: readonly RenderedObject[]): Record<string, string | undefined> {
  const deployment = find(objects, 'Deployment', 'awscheck-operator') as unknown as Workload;
  const [container] = deployment.spec.template.spec.containers;
  const fence = find(objects, 'ConfigMap', 'awscheck-checker-pods').data as Record<string, string>;
  return {
    operator: container?.image,
    checker: container?.env?.find(({ name }) => name === 'AWSCHECK_CHECKER_IMAGE')?.value,
    fence: fence.checkerImage,
  };
}

describe('values.schema.json and the templates’ checks', () => {
  it.each([
    [
      'a replica count below one',
      ['--set', 'operator.replicas=0'],
      "at '/operator/replicas': minimum: got 0, want 1",
    ],
    [
      'an unknown log level',
      ['--set', 'operator.logLevel=loud'],
      "at '/operator/logLevel': value must be one of",
    ],
    [
      'a misspelt key',
      ['--set', 'operator.replica=2'],
      "at '/operator': additional properties 'replica' not allowed",
    ],
    [
      'a memory that is no quantity',
      ['--set', 'checker.memory=lots'],
      "at '/checker/memory': 'lots' does not match pattern",
    ],
    [
      'an unknown pull policy',
      ['--set', 'image.pullPolicy=Sometimes'],
      "at '/image/pullPolicy': value must be one of 'Always', 'IfNotPresent', 'Never'",
    ],
    [
      'a role ARN that is none',
      ['--set', 'operator.platformIdentity.roleArn=arn:nope'],
      "'arn:nope' does not match pattern",
    ],
    [
      'the platform identity without its role',
      ['--set', 'operator.platformIdentity.enabled=true'],
      'operator.platformIdentity.roleArn is required when operator.platformIdentity.enabled is true',
    ],
    [
      'the portal without its Secret',
      ['--set', 'portal.enabled=true'],
      'portal.existingSecret.name is required when portal.enabled',
    ],
    [
      'the portal without its public URL',
      ['--set', 'portal.enabled=true', '--set', 'portal.existingSecret.name=s'],
      'portal.publicUrl is required when portal.enabled',
    ],
    [
      'a budget that keeps every replica',
      ['--set', 'operator.podDisruptionBudget.minAvailable=2'],
      'operator.podDisruptionBudget.minAvailable must be less than operator.replicas',
    ],
    [
      'a renew deadline past the lease',
      ['--set', 'operator.leaderElection.renewDeadlineSeconds=20'],
      'operator.leaderElection needs retryPeriodSeconds (2) < renewDeadlineSeconds (20) < leaseDurationSeconds (15)',
    ],
    [
      'a renew deadline as long as the lease',
      ['--set', 'operator.leaderElection.renewDeadlineSeconds=15'],
      'operator.leaderElection needs retryPeriodSeconds (2) < renewDeadlineSeconds (15) < leaseDurationSeconds (15)',
    ],
    [
      'a retry period as long as the renew deadline',
      ['--set', 'operator.leaderElection.retryPeriodSeconds=10'],
      'operator.leaderElection needs retryPeriodSeconds (10) < renewDeadlineSeconds (10) < leaseDurationSeconds (15)',
    ],
    [
      'a retry period past the renew deadline',
      ['--set', 'operator.leaderElection.retryPeriodSeconds=11'],
      'operator.leaderElection needs retryPeriodSeconds (11) < renewDeadlineSeconds (10) < leaseDurationSeconds (15)',
    ],
    [
      'an update strategy Kubernetes does not know',
      ['--set', 'operator.updateStrategy.type=BlueGreen'],
      "at '/operator/updateStrategy/type': value must be one of 'RollingUpdate', 'Recreate'",
    ],
    [
      'a misspelt update strategy key',
      ['--set', 'operator.updateStrategy.rollingUpdate.maxSurges=1'],
      "at '/operator/updateStrategy/rollingUpdate': additional properties 'maxSurges' not allowed",
    ],
    [
      'a surge that is neither a count nor a percentage',
      ['--set-string', 'operator.updateStrategy.rollingUpdate.maxSurge=half'],
      "at '/operator/updateStrategy/rollingUpdate/maxSurge'",
    ],
    [
      'a rolling update that can never start',
      [
        '--set',
        'operator.updateStrategy.rollingUpdate.maxSurge=0',
        '--set',
        'operator.updateStrategy.rollingUpdate.maxUnavailable=0',
      ],
      'maxSurge and maxUnavailable cannot both be 0',
    ],
    ['a digest that is none', ['--set', 'image.digest=sha256:abc'], "at '/image/digest'"],
    [
      'shards beside a shard selector',
      ['--values', SHARDS_VALUES, '--set', 'operator.shardSelector=tier=gold'],
      'operator.shardSelector and operator.shards exclude each other',
    ],
    [
      'two shards of one name',
      [
        '--set',
        'operator.shards[0].name=a,operator.shards[0].selector=s=a',
        '--set',
        'operator.shards[1].name=a,operator.shards[1].selector=s=b',
      ],
      'operator.shards: the name "a" is used twice',
    ],
    [
      'a shard without a selector',
      ['--set', 'operator.shards[0].name=a'],
      "at '/operator/shards/0': missing property 'selector'",
    ],
    [
      'a shard name that is no DNS label',
      ['--set', 'operator.shards[0].name=A_1,operator.shards[0].selector=s=a'],
      "at '/operator/shards/0/name'",
    ],
    [
      'a budget that keeps every replica of one shard',
      [
        '--set',
        'operator.shards[0].name=a,operator.shards[0].selector=s=a,operator.shards[0].replicas=2',
        '--set',
        'operator.podDisruptionBudget.minAvailable=2',
        '--set',
        'operator.replicas=3',
      ],
      'operator.podDisruptionBudget.minAvailable must be less than the replicas of shard a',
    ],
    [
      'a rate of no requests',
      ['--set', 'operator.kubeClient.qps=0'],
      "at '/operator/kubeClient/qps'",
    ],
    [
      'a scrape interval that is no duration',
      ['--set', 'monitoring.serviceMonitor.interval=30 seconds'],
      "at '/monitoring/serviceMonitor/interval': '30 seconds' does not match pattern",
    ],
    [
      'a scrape timeout that is no duration',
      ['--set', 'monitoring.serviceMonitor.scrapeTimeout=10'],
      "at '/monitoring/serviceMonitor/scrapeTimeout'",
    ],
  ])('refuses %s, saying which value and why', async (_, args, message) => {
    const stderr = await helmRefusal([...templateArgs({ namespace: NAMESPACE }), ...args]);

    expect(stderr).toContain(message);
  });
});

describe('shards of one release', () => {
  let shards: RenderedObject[];
  beforeAll(async () => {
    ({ objects: shards } = await renderChart({
      namespace: NAMESPACE,
      valuesFiles: [SHARDS_VALUES],
    }));
  }, 120_000);

  const names = (kind: string): string[] =>
    shards
      .filter(({ object }) => object.kind === kind)
      .map(({ object }) => object.metadata.name)
      .sort();
  const envOf = (deployment: Workload): Record<string, string | undefined> =>
    Object.fromEntries(
      (deployment.spec.template.spec.containers[0]?.env ?? []).map(({ name, value }) => [
        name,
        value,
      ]),
    );

  it('renders a Deployment, a Lease and a budget per shard, and one ServiceAccount, RBAC and metrics Service', () => {
    expect(names('Deployment')).toEqual([
      'awscheck-operator-a',
      'awscheck-operator-b',
      'awscheck-operator-rest',
    ]);
    expect(names('Lease')).toEqual([
      'awscheck-operator-a',
      'awscheck-operator-b',
      'awscheck-operator-rest',
    ]);
    // The shard of one replica gets no budget: it would block every drain.
    expect(names('PodDisruptionBudget')).toEqual(['awscheck-operator-a', 'awscheck-operator-b']);
    expect(names('ServiceAccount')).toEqual(['awscheck-operator']);
    expect(names('ClusterRoleBinding')).toEqual(['awscheck-operator']);
    expect(names('Service')).toEqual(['awscheck-operator-metrics']);
  });

  it('gives each shard its selector, Lease and replicas', () => {
    const shard = (name: string): Workload =>
      find(shards, 'Deployment', `awscheck-operator-${name}`) as unknown as Workload;

    expect(
      ['a', 'b', 'rest'].map((name) => {
        const env = envOf(shard(name));
        return [env.AWSCHECK_SHARD_SELECTOR, env.AWSCHECK_LEASE_NAME, shard(name).spec.replicas];
      }),
    ).toEqual([
      ['awscheck.io/shard=a', 'awscheck-operator-a', 2],
      ['awscheck.io/shard=b', 'awscheck-operator-b', 3],
      ['awscheck.io/shard notin (a,b)', 'awscheck-operator-rest', 1],
    ]);
  });

  it('selects each shard’s pods alone, while the metrics Service selects every shard’s', () => {
    const selectors = ['a', 'b', 'rest'].map(
      (name) =>
        (find(shards, 'Deployment', `awscheck-operator-${name}`) as unknown as Workload).spec
          .selector.matchLabels,
    );
    const service = find(shards, 'Service', 'awscheck-operator-metrics') as unknown as {
      spec: { selector: Record<string, string> };
    };

    expect(selectors.map((labels) => labels['awscheck.io/shard'])).toEqual(['a', 'b', 'rest']);
    for (const labels of selectors) expect(labels).toMatchObject(service.spec.selector);
    expect(service.spec.selector['awscheck.io/shard']).toBeUndefined();
    expect(find(shards, 'PodDisruptionBudget', 'awscheck-operator-b').spec).toMatchObject({
      selector: { matchLabels: selectors[1] },
    });
  });

  it('keeps the single Deployment’s name, Lease and selector labels as without shards', () => {
    const deployment = find(defaults, 'Deployment', 'awscheck-operator') as unknown as Workload;

    expect(deployment.spec.selector.matchLabels['awscheck.io/shard']).toBeUndefined();
    expect(envOf(deployment).AWSCHECK_SHARD_SELECTOR).toBeUndefined();
    expect(envOf(deployment).AWSCHECK_LEASE_NAME).toBe('awscheck-operator');
  });
});

interface Container {
  readonly name: string;
  readonly image?: string;
  readonly env?: readonly {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: unknown;
  }[];
  readonly securityContext?: Readonly<Record<string, unknown>>;
  readonly livenessProbe?: unknown;
  readonly readinessProbe?: unknown;
  readonly ports?: unknown;
  readonly volumeMounts?: readonly { readonly readOnly?: boolean }[];
}

interface Workload {
  readonly spec: {
    readonly replicas: number;
    readonly selector: { readonly matchLabels: Readonly<Record<string, string>> };
    readonly template: {
      readonly spec: {
        readonly securityContext?: Readonly<Record<string, unknown>>;
        readonly containers: readonly Container[];
        readonly volumes?: readonly Readonly<Record<string, unknown>>[];
        readonly topologySpreadConstraints?: readonly {
          readonly topologyKey: string;
          readonly labelSelector?: unknown;
        }[];
        readonly hostNetwork?: boolean;
        readonly hostPID?: boolean;
        readonly hostIPC?: boolean;
      };
    };
  };
}

describe('pod security', () => {
  it('runs every pod under the restricted Pod Security Standard, as uid 65532 on a read-only root', () => {
    const workloads = allOn.filter(({ object }) => object.kind === 'Deployment');

    expect(workloads).toHaveLength(2);
    for (const { object } of workloads) {
      const pod = (object as unknown as Workload).spec.template.spec;
      expect(pod.securityContext, object.metadata.name).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        fsGroup: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect([pod.hostNetwork, pod.hostPID, pod.hostIPC]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(pod.volumes?.every((volume) => volume.hostPath === undefined)).toBe(true);
      for (const container of pod.containers) {
        expect(container.securityContext, container.name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 65532,
          runAsGroup: 65532,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
      }
    }
  });
});

describe('probes', () => {
  it('give every probe of both Deployments 3 s to answer, not the kubelet’s 1 s', () => {
    const workloads = allOn.filter(({ object }) => object.kind === 'Deployment');

    expect(workloads).toHaveLength(2);
    for (const { object } of workloads) {
      for (const container of (object as unknown as Workload).spec.template.spec.containers) {
        const probes = [container.livenessProbe, container.readinessProbe];
        expect(probes, object.metadata.name).toEqual([
          expect.objectContaining({ timeoutSeconds: 3 }),
          expect.objectContaining({ timeoutSeconds: 3 }),
        ]);
      }
    }
  });
});

describe('monitoring objects', () => {
  it('renders a ServiceMonitor valid against the prometheus-operator schema, scraping the metrics Service', () => {
    const monitor = find(allOn, 'ServiceMonitor', 'awscheck-operator');
    const service = find(allOn, 'Service', 'awscheck-operator-metrics') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { ports: { name: string }[] };
    };

    expect(() => {
      new ServiceMonitor(monitor as never).validate();
    }).not.toThrow();
    const spec = monitor.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string }[];
    };
    expect(service.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(spec.endpoints.map((endpoint) => endpoint.port)).toEqual(
      service.spec.ports.map((port) => port.name),
    );
    expect(monitor.metadata).toMatchObject({ labels: { release: 'prometheus' } });
  });

  it('renders a PrometheusRule valid against the schema whose spec is the rule file', async () => {
    const rule = find(allOn, 'PrometheusRule', 'awscheck-operator');
    const file = parse(
      await readFile(join(CHART, 'files/monitoring/prometheus-rules.yaml'), 'utf8'),
    ) as unknown;

    expect(() => {
      new PrometheusRule(rule as never).validate();
    }).not.toThrow();
    expect(rule.spec).toEqual(file);
  });

  it('renders the Grafana dashboard as a ConfigMap the sidecar finds by its label', async () => {
    const dashboard = find(allOn, 'ConfigMap', 'awscheck-operator-dashboard');
    const file = await readFile(join(CHART, 'files/monitoring/grafana-dashboard.json'), 'utf8');

    expect(dashboard.metadata).toMatchObject({
      labels: { grafana_dashboard: '1' },
      annotations: { grafana_folder: 'AWS' },
    });
    const data = dashboard.data as Record<string, string>;
    expect(JSON.parse(data['awscheck-operator.json'] ?? '')).toEqual(JSON.parse(file));
  });
});

describe('Chart.yaml', () => {
  it('carries the package version as the chart version and appVersion', async () => {
    const chart = parse(await readFile(join(CHART, 'Chart.yaml'), 'utf8')) as {
      version: string;
      appVersion: string;
    };
    const pkg = JSON.parse(await readFile(repoPath('package.json'), 'utf8')) as { version: string };

    expect({ version: chart.version, appVersion: chart.appVersion }).toEqual({
      version: pkg.version,
      appVersion: pkg.version,
    });
  });
});
