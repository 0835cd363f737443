// The chart's renders on the real kube-apiserver: every object of the defaults and of the
// all-on values is accepted by a server-side dry run (schemas, strict field validation, the
// admission policies' type checks), the monitoring objects against the real
// prometheus-operator CRDs, and the pods under the restricted Pod Security Standard. Its
// FlowSchema, applied for real, serves the operator's Lease requests at the apiserver's
// leader-election priority level and nothing else of the operator's there.
import {
  ApiextensionsV1Api,
  CoordinationV1Api,
  FlowcontrolApiserverV1Api,
} from '@kubernetes/client-node';
import { beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { LEASE_FLOW_SCHEMA } from '../../operator/flow-schema.ts';
import { makeTypedClients } from '../../operator/kube-typed.ts';
import { mintKubeconfig } from '../env/environment.ts';
import { installCrds } from '../support/crds.ts';
import { eventually } from '../support/eventually.ts';
import { metricTotal } from '../support/metrics.ts';
import {
  ALL_ON_VALUES,
  SHARDS_VALUES,
  kubectlApply,
  prometheusOperatorCrds,
  renderChart,
  type RenderOptions,
} from '../support/helm.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const extensions = admin.config.makeApiClient(ApiextensionsV1Api);

/** MONITORING_CRDS are the prometheus-operator kinds the chart renders. */
const MONITORING_CRDS = [
  'servicemonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
];

/** RESTRICTED makes the apiserver's Pod Security admission judge the namespace's workloads. */
const RESTRICTED = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/audit': 'restricted',
};

let namespace: string;

beforeAll(async () => {
  const files = await prometheusOperatorCrds();
  await kubectlApply(
    env.kubectl,
    env.kubeconfig,
    files.flatMap((file) => ['-f', file]),
  );
  for (const name of MONITORING_CRDS) {
    await eventually(`CRD ${name} to be Established`, async () => {
      const crd = await extensions.readCustomResourceDefinition({ name });
      const established = crd.status?.conditions?.some(
        (condition) => condition.type === 'Established' && condition.status === 'True',
      );
      return established === true ? true : undefined;
    });
  }
  await installCrds(env.kubeconfig);
  namespace = await createNamespace(admin.core, 'awscheck-chart', RESTRICTED);
}, 180_000);

async function dryRun(manifests: string): Promise<{ applied: string[]; warnings: string[] }> {
  const { stdout, stderr } = await kubectlApply(
    env.kubectl,
    env.kubeconfig,
    ['--dry-run=server', '--force-conflicts', '-f', '-'],
    manifests,
  );
  return {
    applied: stdout
      .split('\n')
      .filter((line) => line.endsWith('serverside-applied (server dry run)')),
    warnings: stderr.split('\n').filter((line) => line.startsWith('Warning')),
  };
}

describe('the chart on the real apiserver', () => {
  it.each<[string, Omit<RenderOptions, 'namespace'>]>([
    ['the defaults', {}],
    ['every option on', { valuesFiles: [ALL_ON_VALUES] }],
    ['three shards', { valuesFiles: [SHARDS_VALUES] }],
  ])(
    'accepts every object rendered with %s in a server-side dry run, without a warning',
    async (_, options) => {
      const { text, objects } = await renderChart({ ...options, namespace, includeCrds: true });

      const { applied, warnings } = await dryRun(text);

      expect(warnings).toEqual([]);
      expect(applied).toHaveLength(objects.length);
    },
  );

  it('would warn about a pod outside the restricted standard, so the check above can fail', async () => {
    const privileged = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'not-restricted', namespace },
      spec: {
        selector: { matchLabels: { app: 'not-restricted' } },
        template: {
          metadata: { labels: { app: 'not-restricted' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    };

    const { warnings } = await dryRun(JSON.stringify(privileged));

    expect(warnings.join('\n')).toContain('would violate PodSecurity "restricted:latest"');
  });
});

describe('the chart’s FlowSchema on the real apiserver', () => {
  it('serves the operator’s Lease requests at leader-election, and its other requests elsewhere', async () => {
    const { objects } = await renderChart({ namespace });
    const flowSchema = objects.find(({ object }) => object.kind === 'FlowSchema');
    if (flowSchema === undefined) throw new Error('the chart renders no FlowSchema');
    await kubectlApply(env.kubectl, env.kubeconfig, ['-f', '-'], JSON.stringify(flowSchema.object));
    const flowcontrol = admin.config.makeApiClient(FlowcontrolApiserverV1Api);
    onTestFinished(async () => {
      await flowcontrol.deleteFlowSchema({ name: LEASE_FLOW_SCHEMA });
    });
    // The operator's ServiceAccount by name; no RBAC is needed: the apiserver classifies a
    // request before it authorizes it.
    const operator = kubeClients(
      await mintKubeconfig(env, `system:serviceaccount:${namespace}:awscheck-operator`),
    );
    const leases = operator.config.makeApiClient(CoordinationV1Api);
    const apiserver = makeTypedClients(admin.config);
    onTestFinished(async () => {
      await apiserver.transport.close();
    });
    const served = async (): Promise<number> => {
      const text = await (await apiserver.transport.fetch('/metrics')).text();
      return metricTotal(text, 'apiserver_flowcontrol_dispatched_requests_total', {
        flow_schema: LEASE_FLOW_SCHEMA,
        priority_level: 'leader-election',
      });
    };
    // The apiserver takes a new FlowSchema in on its own time: ask until it is used.
    await eventually('the Lease request to be served at leader-election', async () => {
      await leases
        .readNamespacedLease({ name: 'awscheck-operator', namespace })
        .catch(() => undefined);
      return (await served()) > 0 ? true : undefined;
    });
    const before = await served();

    await operator.core.listNamespacedConfigMap({ namespace }).catch(() => undefined);

    expect(await served()).toBe(before);
  });
});
