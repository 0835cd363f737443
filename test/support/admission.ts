// Installs the operator's admission fence (operator/admission.ts) as the generated file
// declares it, and waits until the apiserver enforces it.
import {
  AdmissionregistrationV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  type KubernetesObject,
} from '@kubernetes/client-node';
import {
  admissionManifests,
  CHECKER_POD_POLICY,
  FENCED_KINDS,
  fencedName,
  type AdmissionInstall,
} from '../../operator/admission.ts';
import { loadConfig } from '../../operator/config.ts';
import { OPERATOR_ROLE_NAME } from '../../operator/rbac.ts';
import { eventually } from './eventually.ts';
import { kubeClients, statusOf } from './kube.ts';

/** TEST_CHECKER_IMAGE is the checker image every test operator is configured with. */
export const TEST_CHECKER_IMAGE = 'ghcr.io/awscheck/awscheck-operator:test';

/**
 * DEFAULT_TOKEN_AUDIENCE is the platform token audience the operator's configuration
 * defaults to, read from the configuration itself.
 */
export const DEFAULT_TOKEN_AUDIENCE = loadConfig({
  AWSCHECK_CHECKER_IMAGE: TEST_CHECKER_IMAGE,
  AWSCHECK_NAMESPACE: 'unused',
  AWSCHECK_ALLOW_PLATFORM_IDENTITY: 'true',
  AWSCHECK_PLATFORM_ROLE_ARN: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
}).platformIdentity?.audience;

/** FENCE_DENIAL starts the message of every refusal by the fence's policies. */
export const FENCE_DENIAL = `ValidatingAdmissionPolicy '${CHECKER_POD_POLICY}-`;

/** applyObject server-side applies one object as the kubeconfig's user. */
export async function applyObject(kubeconfig: string, object: KubernetesObject): Promise<void> {
  const config = new KubeConfig();
  config.loadFromFile(kubeconfig);
  await KubernetesObjectApi.makeApiClient(config).patch(
    object,
    undefined,
    undefined,
    'awscheck-tests',
    true,
    PatchStrategy.ServerSideApply,
  );
}

/** bindOperatorRole binds a user to the generated operator ClusterRole, cluster-wide. */
export async function bindOperatorRole(
  adminKubeconfig: string,
  user: string,
  bindingName: string,
): Promise<void> {
  const rbac = kubeClients(adminKubeconfig).config.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: bindingName },
      subjects: [{ kind: 'User', name: user, apiGroup: 'rbac.authorization.k8s.io' }],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: OPERATOR_ROLE_NAME,
      },
    },
  });
}

// A Job that is nothing like a checker run: the fence refuses it once it is enforced.
const PROBE_JOB_SPEC = {
  template: {
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'probe', image: 'busybox', command: ['cat', '/etc/shadow'] }],
    },
  },
};

/**
 * awaitFence waits until the apiserver refuses, as the operator's identity, a Job and a
 * CronJob that are not checker runs (policies and bindings reach the admission plugin
 * through informers, so they are enforced a moment after they are written).
 */
export async function awaitFence(operatorKubeconfig: string, namespace: string): Promise<void> {
  const { batch } = kubeClients(operatorKubeconfig);
  const metadata = { name: 'admission-probe', namespace };
  const probes = {
    Job: () =>
      batch.createNamespacedJob({
        namespace,
        dryRun: 'All',
        body: { metadata, spec: PROBE_JOB_SPEC },
      }),
    CronJob: () =>
      batch.createNamespacedCronJob({
        namespace,
        dryRun: 'All',
        body: { metadata, spec: { schedule: '@daily', jobTemplate: { spec: PROBE_JOB_SPEC } } },
      }),
  };
  for (const [kind, probe] of Object.entries(probes)) {
    await eventually(
      `the admission fence to refuse the operator a non-checker ${kind}`,
      async () => {
        const refusal = await statusOf(probe());
        if (!refusal.message.includes(FENCE_DENIAL)) throw new Error(refusal.message);
        return true;
      },
    );
  }
}

/**
 * installAdmission applies the policy, the install's parameters and its binding, and
 * waits until the fence is enforced for the operator's identity.
 */
export async function installAdmission(
  adminKubeconfig: string,
  install: AdmissionInstall,
  operatorKubeconfig: string,
): Promise<void> {
  for (const object of admissionManifests(install)) {
    await applyObject(adminKubeconfig, object);
  }
  await awaitFence(operatorKubeconfig, install.namespace);
}

/** removeAdmissionBindings deletes one install's bindings (before its namespace goes). */
export async function removeAdmissionBindings(
  adminKubeconfig: string,
  bindingName: string,
): Promise<void> {
  const api = kubeClients(adminKubeconfig).config.makeApiClient(AdmissionregistrationV1Api);
  for (const fenced of FENCED_KINDS) {
    await api.deleteValidatingAdmissionPolicyBinding({ name: fencedName(fenced, bindingName) });
  }
}
