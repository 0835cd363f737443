// The operator's admission fence (operator/admission.ts) on the real kube-apiserver: the
// Jobs and CronJobs the operator's own builders make are admitted for the operator's
// identity, each step away from the checker's shape is refused with the rule it breaks,
// and nobody else is affected. Writes are server-side dry runs (admission runs in full,
// nothing is stored) except where an update needs a stored object.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  AdmissionregistrationV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1CronJob,
  type V1CronJobSpec,
  type V1JobSpec,
  type V1Job,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  FENCED_KINDS,
  admissionManifests,
  fencedName,
  type AdmissionInstall,
} from '../../operator/admission.ts';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { loadConfig, type OperatorConfig } from '../../operator/config.ts';
import { CHECKER_COMMAND, type CredentialInput } from '../../operator/controller/checker-pod.ts';
import {
  desiredValidationJob,
  type CredentialFacts,
} from '../../operator/controller/credential-plan.ts';
import { desiredCronJob, desiredRunJob } from '../../operator/controller/cronjob.ts';
import { rbacManifests } from '../../operator/rbac.ts';
import { UNLIMITED } from '../../operator/controller/plan-limits.ts';
import { ensureBinaries } from '../env/binaries.ts';
import { mintKubeconfig } from '../env/environment.ts';
import { startProcess, stopProcessGroup } from '../env/processes.ts';
import {
  applyObject,
  bindOperatorRole,
  FENCE_DENIAL,
  installAdmission,
  removeAdmissionBindings,
  TEST_CHECKER_IMAGE,
} from '../support/admission.ts';
import { CustomObjects } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { installCrds } from '../support/crds.ts';
import { createNamespace, kubeClients, statusOf, type KubeClients } from '../support/kube.ts';

const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const AUDIENCE = 'awscheck.io/checker';
const PLATFORM_ROLE = 'arn:aws:iam::210987654321:role/AwsCheckPlatform';
const config: OperatorConfig = loadConfig({
  AWSCHECK_CHECKER_IMAGE: TEST_CHECKER_IMAGE,
  AWSCHECK_NAMESPACE: 'unused',
  AWSCHECK_ALLOW_PLATFORM_IDENTITY: 'true',
  AWSCHECK_PLATFORM_ROLE_ARN: PLATFORM_ROLE,
  AWSCHECK_PLATFORM_TOKEN_AUDIENCE: AUDIENCE,
});

/** An install of the fence for one operator identity, with its own parameters and binding. */
interface Install {
  readonly fence: AdmissionInstall;
  readonly operator: KubeClients;
}

const installs: Install[] = [];
let tenant: string;
let check: AwsCheck;

async function install(platformTokenAudience: string | undefined): Promise<Install> {
  const suffix = randomBytes(3).toString('hex');
  const user = `awscheck-operator-admission-${suffix}`;
  const namespace = await createNamespace(admin.core, 'awscheck-fence');
  const fence: AdmissionInstall = {
    namespace,
    operatorUsername: user,
    checkerImage: TEST_CHECKER_IMAGE,
    platformTokenAudience,
    bindingName: `${namespace}-checker-pods`,
  };
  await bindOperatorRole(env.kubeconfig, user, `${namespace}-operator`);
  const kubeconfig = await mintKubeconfig(env, user);
  const entry = { fence, operator: kubeClients(kubeconfig) };
  installs.push(entry);
  await installAdmission(env.kubeconfig, fence, kubeconfig);
  return entry;
}

let operator: Install;
let withoutPlatform: Install;

beforeAll(async () => {
  await installCrds(env.kubeconfig);
  await applyObject(env.kubeconfig, rbacManifests()[0]);
  operator = await install(AUDIENCE);
  withoutPlatform = await install(undefined);
  tenant = await createNamespace(admin.core, 'tenant');
  const objects = new CustomObjects(env.kubeconfig);
  await objects.create('awschecks', tenant, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCheck',
    metadata: { name: 'web' },
    spec: { credentialRef: { name: 'prod' }, service: 'ec2', type: 'HealthCheck' },
  });
  check = await objects.check(tenant, 'web');
});

afterAll(async () => {
  for (const { fence } of installs) {
    if (fence.bindingName !== undefined) {
      await removeAdmissionBindings(env.kubeconfig, fence.bindingName);
    }
  }
});

const SECRET_REF: CredentialInput = {
  refName: 'prod',
  spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
  externalId: 'ext-1',
};
const PLATFORM_REF: CredentialInput = {
  refName: 'platform',
  spec: {
    region: 'us-east-1',
    assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/ReadOnly', durationSeconds: 900 },
  },
  externalId: 'ext-1',
};
const KEYS_ONLY: CredentialInput = { ...SECRET_REF, refName: 'keys' };

type Credential = 'secret' | 'platform';
const CREDENTIALS: Record<Credential, CredentialInput> = {
  secret: SECRET_REF,
  platform: PLATFORM_REF,
};

function runJob(credential: Credential): V1Job {
  return desiredRunJob(check, CREDENTIALS[credential], config, {
    name: `web-initial-${randomBytes(3).toString('hex')}`,
    run: 'initial',
  });
}

function cronJob(credential: Credential): V1CronJob {
  return desiredCronJob(check, CREDENTIALS[credential], config);
}

function validationJob(input: CredentialInput): V1Job {
  const ref: AwsCredentialRef = {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: input.refName, namespace: tenant, uid: 'ref-uid', generation: 1 },
    spec: input.spec,
  };
  const facts: CredentialFacts = {
    ref,
    externalId: input.externalId,
    plan: UNLIMITED,
    validations: [],
    checkRuns: [],
    now: new Date(),
  };
  return desiredValidationJob(facts, config, {});
}

// submit creates a Job or CronJob as a dry run: admission runs in full, nothing is stored.
async function submit(clients: KubeClients, object: V1Job | V1CronJob): Promise<object> {
  const request = { namespace: tenant, dryRun: 'All' };
  if (object.kind === 'CronJob') {
    return clients.batch.createNamespacedCronJob({ ...request, body: object as V1CronJob });
  }
  return clients.batch.createNamespacedJob({ ...request, body: object as V1Job });
}

function podOf(object: V1Job | V1CronJob): V1PodSpec {
  const spec: V1CronJobSpec | V1JobSpec | undefined = object.spec;
  const job = spec && 'jobTemplate' in spec ? spec.jobTemplate.spec : spec;
  const pod = job?.template.spec;
  if (pod === undefined) throw new Error('the builder made no pod template');
  return pod;
}

function checker(pod: V1PodSpec): NonNullable<V1PodSpec['containers'][number]> {
  const container = pod.containers[0];
  if (container === undefined) throw new Error('the pod has no container');
  return container;
}

describe('the operator’s own Jobs and CronJobs', () => {
  it.each(['secret', 'platform'] as const)(
    'are admitted: run Job and CronJob, credentials from %s',
    async (credential) => {
      await expect(submit(operator.operator, runJob(credential))).resolves.toBeDefined();
      await expect(submit(operator.operator, cronJob(credential))).resolves.toBeDefined();
    },
  );

  it.each([
    ['a Secret', KEYS_ONLY],
    [
      'an assumed role from a Secret',
      { ...KEYS_ONLY, spec: { ...PLATFORM_REF.spec, ...SECRET_REF.spec } },
    ],
    ['the platform identity', PLATFORM_REF],
  ])('are admitted: the validation Job of %s', async (_, input) => {
    await expect(submit(operator.operator, validationJob(input))).resolves.toBeDefined();
  });

  it('are admitted on update: a stored CronJob relabelled by the operator', async () => {
    const stored = await operator.operator.batch.createNamespacedCronJob({
      namespace: tenant,
      body: cronJob('secret'),
    });
    const name = stored.metadata?.name ?? '';
    const patch = (body: object): Promise<V1CronJob> =>
      operator.operator.batch.patchNamespacedCronJob(
        { name, namespace: tenant, body },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      );

    await expect(patch({ metadata: { labels: { touched: 'yes' } } })).resolves.toBeDefined();
    const image = {
      spec: {
        jobTemplate: {
          spec: { template: { spec: { containers: [{ name: 'checker', image: 'busybox' }] } } },
        },
      },
    };
    const refused = await statusOf(patch(image));
    expect(refused.message).toContain('(checker-image)');
  });
});

type Mutation = (pod: V1PodSpec) => void;
const EXTRA_CONTAINER = { image: TEST_CHECKER_IMAGE, command: [...CHECKER_COMMAND] };
const SECRET_ENV = [{ name: 'KEY', valueFrom: { secretKeyRef: { name: 'other', key: 'k' } } }];

/** Each step away from the checker's shape, the rule that names it, and the credential base. */
const REFUSED: readonly (readonly [string, string, Credential, Mutation])[] = [
  ['another image', 'checker-image', 'secret', (p) => void (checker(p).image = 'busybox')],
  [
    'another command',
    'checker-command',
    'secret',
    (p) => void (checker(p).command = ['sh', '-c', 'cat /var/run/secrets/awscheck/credentials/*']),
  ],
  [
    'the checker command with one more word',
    'checker-command',
    'secret',
    (p) => void (checker(p).command = [...CHECKER_COMMAND, '--print']),
  ],
  [
    'a second volume',
    'at-most-one-volume',
    'secret',
    (p) => void p.volumes?.push({ name: 'scratch', emptyDir: {} }),
  ],
  [
    'a hostPath volume',
    'no-host-path',
    'secret',
    (p) => void p.volumes?.push({ name: 'host', hostPath: { path: '/' } }),
  ],
  [
    'a hostPath in place of the Secret',
    'no-host-path',
    'secret',
    (p) => void (p.volumes = [{ name: 'aws-credentials', hostPath: { path: '/etc' } }]),
  ],
  [
    'a serviceAccountName',
    'default-service-account',
    'secret',
    (p) => void (p.serviceAccountName = 'builder'),
  ],
  ['a Secret in env', 'no-env', 'secret', (p) => void (checker(p).env = SECRET_ENV)],
  [
    'envFrom a Secret',
    'no-env-from',
    'secret',
    (p) => void (checker(p).envFrom = [{ secretRef: { name: 'other' } }]),
  ],
  [
    'a projected token of another audience',
    'token-audience',
    'platform',
    (p) => {
      const token = p.volumes?.[0]?.projected?.sources?.[0]?.serviceAccountToken;
      if (token) token.audience = 'sts.amazonaws.com';
    },
  ],
  [
    'a projected token for the Kubernetes API (no audience)',
    'token-audience',
    'platform',
    (p) => {
      const token = p.volumes?.[0]?.projected?.sources?.[0]?.serviceAccountToken;
      if (token) delete token.audience;
    },
  ],
  [
    'a Secret beside the platform token',
    'credential-volume',
    'platform',
    (p) => void p.volumes?.[0]?.projected?.sources?.push({ secret: { name: 'other' } }),
  ],
  [
    'a Secret volume with items',
    'credential-volume',
    'secret',
    (p) => {
      const secret = p.volumes?.[0]?.secret;
      if (secret) secret.items = [{ key: 'password', path: 'AWS_SECRET_ACCESS_KEY' }];
    },
  ],
  [
    'an init container',
    'no-init-containers',
    'secret',
    (p) => void (p.initContainers = [{ ...EXTRA_CONTAINER, name: 'init' }]),
  ],
  [
    'a second container',
    'one-checker-container',
    'secret',
    (p) => void p.containers.push({ ...EXTRA_CONTAINER, name: 'sidecar' }),
  ],
  [
    'the API token mounted',
    'no-service-account-token',
    'secret',
    (p) => void (p.automountServiceAccountToken = true),
  ],
  ['hostNetwork', 'no-host-namespaces', 'secret', (p) => void (p.hostNetwork = true)],
  [
    'a writable credentials mount',
    'read-only-credential-mount',
    'secret',
    (p) => {
      const mount = checker(p).volumeMounts?.[0];
      if (mount) mount.readOnly = false;
    },
  ],
  [
    'the credentials mounted elsewhere',
    'read-only-credential-mount',
    'secret',
    (p) => {
      const mount = checker(p).volumeMounts?.[0];
      if (mount) mount.mountPath = '/tmp/keys';
    },
  ],
  [
    'an added capability',
    'drop-all-capabilities',
    'secret',
    (p) => {
      const context = checker(p).securityContext;
      if (context) context.capabilities = { drop: ['ALL'], add: ['NET_RAW'] };
    },
  ],
  [
    'a writable root filesystem',
    'read-only-root-filesystem',
    'secret',
    (p) => {
      const context = checker(p).securityContext;
      if (context) context.readOnlyRootFilesystem = false;
    },
  ],
  [
    'root',
    'run-as-non-root',
    'secret',
    (p) => {
      p.securityContext = { runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } };
      delete checker(p).securityContext?.runAsNonRoot;
    },
  ],
  [
    'an unconfined seccomp profile',
    'runtime-default-seccomp',
    'secret',
    (p) => {
      const context = checker(p).securityContext;
      if (context) context.seccompProfile = { type: 'Unconfined' };
    },
  ],
];

describe.each([
  ['Job', runJob],
  ['CronJob', cronJob],
] as const)('a %s of the operator’s', (_, build) => {
  it.each(REFUSED)('is refused with %s, naming %s', async (_what, rule, credential, mutate) => {
    const object = build(credential);
    mutate(podOf(object));

    const refused = await statusOf(submit(operator.operator, object));

    expect(refused.code).toBe(403);
    expect(refused.message).toContain(FENCE_DENIAL);
    expect(refused.message).toContain(`(${rule})`);
  });
});

// The test apiserver allows privileged pods (--allow-privileged=true, as kubeadm sets it), so
// only the fence stands between the operator and a privileged container.
describe.each([
  ['Job', runJob],
  ['CronJob', cronJob],
] as const)('a privileged container in a %s of the operator’s', (_, build) => {
  it('is refused', async () => {
    const object = build('secret');
    const context = checker(podOf(object)).securityContext;
    if (context) context.privileged = true;
    delete context?.allowPrivilegeEscalation;

    const refused = await statusOf(submit(operator.operator, object));

    expect(refused.message).toContain(FENCE_DENIAL);
    expect(refused.message).toContain('(not-privileged)');
  });
});

// The apiserver type-checks a policy's expressions against the schemas of the kinds it
// matches and reports problems as warnings in its status; kube-controller-manager's
// validatingadmissionpolicy-status-controller (on in real clusters, not in the shared
// environment) writes them, so this test runs one beside the environment.
describe('the policies', () => {
  it('type-check against the Job and CronJob schemas with no warnings', async () => {
    const binaries = await ensureBinaries(() => undefined);
    const controller = startProcess({
      name: 'vap-status-controller',
      command: binaries.kubeControllerManager,
      args: [
        `--kubeconfig=${env.kubeconfig}`,
        '--controllers=validatingadmissionpolicy-status-controller',
        '--leader-elect=false',
        '--secure-port=0',
      ],
      logFile: join(env.runDir, 'vap-status-controller.log'),
      tiedToParent: true,
    });
    try {
      const api = admin.config.makeApiClient(AdmissionregistrationV1Api);
      for (const fenced of FENCED_KINDS) {
        const policy = await eventually(`the type check of ${fencedName(fenced)}`, async () => {
          const read = await api.readValidatingAdmissionPolicy({ name: fencedName(fenced) });
          const checked = read.status?.observedGeneration === read.metadata?.generation;
          return checked ? read : undefined;
        });

        expect(policy.status?.typeChecking?.expressionWarnings ?? []).toEqual([]);
      }
    } finally {
      await stopProcessGroup(controller.pid);
    }
  });
});

describe('identities', () => {
  it('another identity, a cluster admin, is not fenced: it may create any Job', async () => {
    const job = runJob('secret');
    const pod = podOf(job);
    checker(pod).image = 'busybox';
    pod.serviceAccountName = 'builder';
    checker(pod).env = SECRET_ENV;

    await expect(submit(admin, job)).resolves.toBeDefined();
  });

  it('a binding whose parameters are gone refuses nobody (no cluster-wide outage)', async () => {
    const gone: AdmissionInstall = {
      namespace: `gone-${randomBytes(3).toString('hex')}`,
      operatorUsername: 'system:serviceaccount:gone:awscheck-operator',
      checkerImage: 'img',
      bindingName: `gone-${randomBytes(3).toString('hex')}`,
    };
    const bindings = admissionManifests(gone).filter(
      (object) => object.kind === 'ValidatingAdmissionPolicyBinding',
    );
    for (const binding of bindings) await applyObject(env.kubeconfig, binding);
    try {
      // The admission plugin sees a new binding within a second; give it three.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const job = runJob('secret');
      checker(podOf(job)).image = 'busybox';
      await expect(submit(admin, job)).resolves.toBeDefined();
      await expect(submit(operator.operator, runJob('secret'))).resolves.toBeDefined();
    } finally {
      await removeAdmissionBindings(env.kubeconfig, gone.bindingName ?? '');
    }
  });

  it('an install that does not allow the platform identity admits no token at all', async () => {
    await expect(submit(withoutPlatform.operator, runJob('secret'))).resolves.toBeDefined();
    const refused = await statusOf(submit(withoutPlatform.operator, runJob('platform')));

    expect(refused.message).toContain('(token-audience)');
  });
});
