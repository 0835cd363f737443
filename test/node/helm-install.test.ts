// The chart installed for real with helm on the real node, running the image built from the
// Dockerfile: the operator comes up under the kubelet, a check's first run goes Ready and
// Healthy, `helm upgrade` rolls the operator and it keeps recording runs, and `helm
// uninstall` leaves nothing behind but the CRDs and the checks (with their CronJobs), which
// go when deleted.
//
// The node's pods share the host's network (test/env/node/pod-network.ts), so the operator
// runs one replica on a free port: two would contend for the same host port. The test
// environment is shared by every test file of the run, and other files apply the same
// cluster-scoped RBAC and admission policies the chart holds; the install and the upgrade
// take them over (--take-ownership, --force-conflicts against those files' field
// manager), which a cluster installing the chart once never needs. Whatever a test leaves
// installed is uninstalled at the end, so no operator outlives this file.
import { execFile } from 'node:child_process';
import { AppsV1Api } from '@kubernetes/client-node';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RUN_NOW_ANNOTATION } from '../../operator/labels.ts';
import { freePort } from '../env/ports.ts';
import { conditionOf, CustomObjects } from '../support/awscheck.ts';
import { installCrds } from '../support/crds.ts';
import { eventually } from '../support/eventually.ts';
import { CHART, helm, parseRendered } from '../support/helm.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';
import { createTenant, TENANT_CREDENTIAL_REF } from '../support/tenant.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const apps = admin.config.makeApiClient(AppsV1Api);
const objects = new CustomObjects(env.kubeconfig);
const run = promisify(execFile);

const RELEASE = 'awscheck';
const CHECK = 'instances';
const MINUTES = 60_000;

let namespace: string;
/** installedIn is the namespace of a release helm may have left, for afterAll. */
let installedIn: string | undefined;
let tenant: string;
let nodeLabels: Record<string, string>;
let image: { repository: string; tag: string };

beforeAll(async () => {
  const node = env.node;
  if (node?.image === undefined) {
    throw new Error(
      'this file needs the real node with the product image: run it in the node project',
    );
  }
  const at = node.image.lastIndexOf(':');
  image = { repository: node.image.slice(0, at), tag: node.image.slice(at + 1) };
  nodeLabels = { [node.namespaceLabel.key]: node.namespaceLabel.value };
  await installCrds(env.kubeconfig);
  namespace = await createNamespace(admin.core, 'awscheck-helm', nodeLabels);
  await expectDeploymentController();
});

afterAll(async () => {
  if (installedIn === undefined) return;
  await helm([
    'uninstall',
    RELEASE,
    '--namespace',
    installedIn,
    '--kubeconfig',
    env.kubeconfig,
    '--ignore-not-found',
    '--wait',
  ]);
});

/**
 * expectDeploymentController fails at once, saying what to change, when the environment's
 * kube-controller-manager does not roll Deployments out: helm would wait minutes for it.
 */
async function expectDeploymentController(): Promise<void> {
  const name = 'deployment-controller-probe';
  const labels = { app: name };
  await apps.createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name, image: 'none' }] } },
      },
    },
  });
  await eventually(
    'a Deployment to be observed: test/env/control-plane.ts CONTROLLERS needs deployment-controller, replicaset-controller and disruption-controller',
    async () => {
      const probe = await apps.readNamespacedDeployment({ name, namespace });
      return probe.status?.observedGeneration === 1 ? true : undefined;
    },
    20_000,
  );
  await apps.deleteNamespacedDeployment({ name, namespace });
}

/** releaseArgs are the values every helm call of this file gives: the node's image and one replica. */
async function releaseArgs(): Promise<string[]> {
  return [
    '--namespace',
    namespace,
    '--kubeconfig',
    env.kubeconfig,
    '--wait',
    '--timeout',
    '5m',
    '--set-string',
    `image.repository=${image.repository}`,
    '--set-string',
    `image.tag=${image.tag}`,
    '--set',
    'image.pullPolicy=Never',
    '--set',
    'checker.image.pullPolicy=Never',
    '--set',
    'operator.replicas=1',
    '--set',
    `operator.httpPort=${await freePort()}`,
    // One host port: the old replica stops before the new one starts.
    '--set',
    'operator.updateStrategy.rollingUpdate.maxSurge=0',
    '--set',
    'operator.updateStrategy.rollingUpdate.maxUnavailable=1',
  ];
}

async function kubectl(args: readonly string[]): Promise<string> {
  const { stdout } = await run(env.kubectl, ['--kubeconfig', env.kubeconfig, ...args]);
  return stdout;
}

/** tenantObjects are the tenant's AwsCheck CHECK and CronJob `cronJob` that exist, by kubectl name. */
async function tenantObjects(cronJob: string): Promise<string[]> {
  const found = await Promise.all(
    [`awschecks.awscheck.io/${CHECK}`, `cronjobs.batch/${cronJob}`].map((name) =>
      kubectl(['get', name, '--namespace', tenant, '--ignore-not-found', '-o', 'name']),
    ),
  );
  return found.map((text) => text.trim()).filter((name) => name !== '');
}

async function healthyCheck(
  what: string,
  accept: (check: Awaited<ReturnType<CustomObjects['check']>>) => boolean,
): Promise<void> {
  await eventually(
    what,
    async () => {
      const check = await objects.check(tenant, CHECK);
      return conditionOf(check, 'Healthy')?.status === 'True' && accept(check) ? check : undefined;
    },
    5 * MINUTES,
  );
}

describe('helm install, upgrade and uninstall on the real node', () => {
  it(
    'installs the operator, and a check goes Ready and Healthy',
    async () => {
      tenant = await createTenant(admin, objects, { prefix: 'tenant-helm', labels: nodeLabels });
      await objects.create('awschecks', tenant, {
        apiVersion: 'awscheck.io/v1alpha1',
        kind: 'AwsCheck',
        metadata: { name: CHECK },
        spec: {
          credentialRef: { name: TENANT_CREDENTIAL_REF },
          service: 'ec2',
          type: 'ResourceList',
          regions: ['us-east-1'],
        },
      });
      const started = Date.now();

      installedIn = namespace;
      await helm([
        'install',
        RELEASE,
        CHART,
        '--take-ownership',
        '--force-conflicts',
        ...(await releaseArgs()),
      ]);
      const installedMs = Date.now() - started;
      await healthyCheck('the check to go Healthy under the installed operator', () => true);

      const check = await objects.check(tenant, CHECK);
      expect(conditionOf(check, 'Ready')).toMatchObject({ status: 'True' });
      expect(check.status?.lastRun).toMatchObject({ outcome: 'Succeeded' });
      console.log(
        `helm install → Deployment ready: ${(installedMs / 1000).toFixed(1)} s; → first check Healthy: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    },
    10 * MINUTES,
  );

  it(
    'upgrades the operator, which keeps recording runs',
    async () => {
      await helm([
        'upgrade',
        RELEASE,
        CHART,
        '--force-conflicts',
        ...(await releaseArgs()),
        '--set',
        'operator.workers=2',
      ]);

      const deployment = await apps.readNamespacedDeployment({
        name: 'awscheck-operator',
        namespace,
      });
      const variables = deployment.spec?.template.spec?.containers[0]?.env ?? [];
      expect(variables.find((variable) => variable.name === 'AWSCHECK_WORKERS')?.value).toBe('2');
      expect(deployment.status).toMatchObject({ updatedReplicas: 1, readyReplicas: 1 });
      const token = `after-upgrade-${Date.now()}`;
      await objects.mergePatch('awschecks', tenant, CHECK, {
        metadata: { annotations: { [RUN_NOW_ANNOTATION]: token } },
      });
      await healthyCheck(
        'the upgraded operator to record the run-now run',
        (check) => check.status?.runNowToken === token,
      );
    },
    10 * MINUTES,
  );

  it(
    'uninstalls everything but the CRDs and the checks, whose CronJobs go when they are deleted',
    async () => {
      const manifest = parseRendered(
        (
          await helm([
            'get',
            'manifest',
            RELEASE,
            '--namespace',
            namespace,
            '--kubeconfig',
            env.kubeconfig,
          ])
        ).stdout,
      );
      const { status } = await objects.check(tenant, CHECK);
      const cronJob = status?.cronJobName;
      if (cronJob === undefined) throw new Error(`AwsCheck ${CHECK} names no CronJob in status`);

      // The documented case: uninstalled with its checks still in place.
      await helm([
        'uninstall',
        RELEASE,
        '--namespace',
        namespace,
        '--kubeconfig',
        env.kubeconfig,
        '--wait',
        '--cascade',
        'foreground',
      ]);

      for (const { object } of manifest) {
        const scope =
          object.metadata.namespace === undefined ? [] : ['--namespace', object.metadata.namespace];
        const found = await kubectl([
          'get',
          `${object.kind}/${object.metadata.name}`,
          ...scope,
          '--ignore-not-found',
          '-o',
          'name',
        ]);
        expect(found, `${object.kind} ${object.metadata.name}`).toBe('');
      }
      const left = await eventually(
        'the release namespace to hold only its defaults',
        async () => {
          const names = (
            await kubectl([
              'get',
              'all,configmaps,secrets,serviceaccounts,leases,roles,rolebindings,poddisruptionbudgets',
              '--namespace',
              namespace,
              '-o',
              'name',
            ])
          )
            .split('\n')
            .filter((line) => line !== '');
          return names.length <= 2 ? names : undefined;
        },
        MINUTES,
      );
      expect(left.sort()).toEqual(['configmap/kube-root-ca.crt', 'serviceaccount/default']);
      expect(
        await kubectl([
          'get',
          'crd',
          'awschecks.awscheck.io',
          'awscredentialrefs.awscheck.io',
          '-o',
          'name',
        ]),
      ).toBe(
        'customresourcedefinition.apiextensions.k8s.io/awschecks.awscheck.io\ncustomresourcedefinition.apiextensions.k8s.io/awscredentialrefs.awscheck.io\n',
      );
      // What NOTES.txt and the README warn of: the check and its CronJob outlive the release.
      expect(await tenantObjects(cronJob)).toEqual([
        `awscheck.awscheck.io/${CHECK}`,
        `cronjob.batch/${cronJob}`,
      ]);

      // What they say to do: deleting the checks takes their CronJobs with them.
      await objects.delete('awschecks', tenant, CHECK);
      await objects.delete('awscredentialrefs', tenant, TENANT_CREDENTIAL_REF);
      await eventually(
        `AwsCheck ${CHECK} and CronJob ${cronJob} to be gone`,
        async () => ((await tenantObjects(cronJob)).length === 0 ? true : undefined),
        MINUTES,
      );
    },
    10 * MINUTES,
  );
});
