import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { admissionManifests, DEFAULT_INSTALL } from '../operator/admission.ts';
import { crdOf } from '../operator/api/crd.ts';
import { KINDS } from '../operator/api/generated-files.ts';
import { loadConfig, type OperatorConfig } from '../operator/config.ts';
import { catalogConfigMap } from '../operator/plans/configmap.ts';
import { rbacManifests, tenantRoleManifest } from '../operator/rbac.ts';
import {
  DEFAULT_OPTIONS,
  INSTALL_FILE,
  installManifests,
  installYaml,
  operatorConfig,
  operatorEnv,
  VERSION,
} from './install.ts';

const ROOT = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
/** SPAWNS bounds the tests that start Node, on a loaded machine too. */
const SPAWNS = { timeout: 60_000 };

type Json = Record<string, unknown>;
const metadataOf = (object: Json): Json => object.metadata as Json;
const keyOf = (object: Json): string =>
  [object.kind, metadataOf(object).namespace, metadataOf(object).name].join('/');

/** findDeclared finds the object of a declaration: same kind and name. */
function findDeclared(
  objects: Json[],
  manifest: { kind?: string; metadata?: { name?: string } },
): Json {
  return find(objects, manifest.kind ?? '', manifest.metadata?.name ?? '');
}

function find(objects: Json[], kind: string, name: string): Json {
  const found = objects.find((o) => o.kind === kind && metadataOf(o).name === name);
  if (found === undefined) throw new Error(`the install has no ${kind} ${name}`);
  return found;
}

interface Container {
  env: { name: string; value?: string }[];
  livenessProbe: Json;
  readinessProbe: Json;
  securityContext: Json;
}
interface PodSpec {
  containers: Container[];
  automountServiceAccountToken: boolean;
  securityContext: Json;
  serviceAccountName: string;
  topologySpreadConstraints: Json[];
}

function operatorPod(objects: Json[]): PodSpec {
  const deployment = find(objects, 'Deployment', 'awscheck-operator');
  return ((deployment.spec as Json).template as Json).spec as PodSpec;
}

describe('installManifests', () => {
  const objects = installManifests();

  it('ships the generated declarations as they are: CRDs, RBAC, admission fence, plans', () => {
    const declared = [
      ...KINDS.map(crdOf),
      tenantRoleManifest(),
      ...admissionManifests(DEFAULT_INSTALL),
      catalogConfigMap(),
    ];
    for (const manifest of declared) {
      const object = findDeclared(objects, manifest);
      expect(object, keyOf(object)).toEqual(JSON.parse(JSON.stringify(manifest)));
    }
    for (const role of rbacManifests()) {
      const object = findDeclared(objects, role);
      const namespace = role.kind === 'Role' ? DEFAULT_OPTIONS.namespace : undefined;
      expect(metadataOf(object).namespace).toBe(namespace);
      expect(object.rules).toEqual(role.rules);
    }
  });

  it('binds every generated role to the operator’s ServiceAccount, the Roles in its namespace', () => {
    const bindings = objects.filter((o) => String(o.kind).endsWith('Binding') && 'roleRef' in o);
    const subject = {
      kind: 'ServiceAccount',
      name: 'awscheck-operator',
      namespace: 'awscheck-system',
    };

    expect(bindings.map((b) => [keyOf(b), (b.roleRef as Json).name])).toEqual(
      rbacManifests().map((role) => [
        `${role.kind === 'Role' ? 'RoleBinding/awscheck-system' : 'ClusterRoleBinding/'}/${role.metadata?.name ?? ''}`,
        role.metadata?.name,
      ]),
    );
    expect(bindings.every((b) => JSON.stringify(b.subjects) === JSON.stringify([subject]))).toBe(
      true,
    );
  });

  it('applies in order: namespace, CRDs, roles before bindings, fence parameters before its bindings', () => {
    const kinds = objects.map((o) => String(o.kind));
    const first = (kind: string): number => kinds.indexOf(kind);
    const last = (kind: string): number => kinds.lastIndexOf(kind);

    expect(kinds.slice(0, 3)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
    ]);
    expect(last('Role')).toBeLessThan(first('RoleBinding'));
    expect(first('ValidatingAdmissionPolicy')).toBeLessThan(
      first('ValidatingAdmissionPolicyBinding'),
    );
    const params = objects.findIndex((o) => metadataOf(o).name === 'awscheck-checker-pods');
    expect(params).toBeLessThan(first('ValidatingAdmissionPolicyBinding'));
    expect(last('Deployment')).toBe(kinds.length - 3);
  });

  it('enforces the restricted Pod Security Standard in the operator’s namespace', () => {
    expect(metadataOf(find(objects, 'Namespace', 'awscheck-system')).labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
  });

  it('configures the operator with its own defaults, this namespace and this image', () => {
    const [container] = operatorPod(objects).containers;
    const env = Object.fromEntries(
      (container?.env ?? []).flatMap(({ name, value }) =>
        value === undefined ? [] : [[name, value]],
      ),
    );

    expect(loadConfig({ ...env, POD_NAME: 'awscheck-operator' })).toEqual(
      operatorConfig(DEFAULT_OPTIONS),
    );
    expect(env.AWSCHECK_NAMESPACE).toBe('awscheck-system');
    expect(env.AWSCHECK_CHECKER_IMAGE).toBe(DEFAULT_INSTALL.checkerImage);
    expect(container?.env[0]).toEqual({
      name: 'POD_NAME',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
  });

  it('runs two replicas, spread, with probes on the operator’s endpoints and a restricted pod', () => {
    const deployment = find(objects, 'Deployment', 'awscheck-operator');
    const pod = operatorPod(objects);
    const [container] = pod.containers;

    expect((deployment.spec as Json).replicas).toBe(2);
    expect(pod.topologySpreadConstraints.map((c) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    expect(container?.livenessProbe).toMatchObject({
      httpGet: { path: '/healthz' },
      timeoutSeconds: 3,
    });
    expect(container?.readinessProbe).toMatchObject({
      httpGet: { path: '/readyz' },
      timeoutSeconds: 3,
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container?.securityContext).toEqual(
      expect.objectContaining({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      }),
    );
    expect(pod.serviceAccountName).toBe('awscheck-operator');
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(find(objects, 'ServiceAccount', 'awscheck-operator').automountServiceAccountToken).toBe(
      false,
    );
  });

  it('keeps a replica through voluntary disruptions and serves /metrics on a Service', () => {
    const pdb = find(objects, 'PodDisruptionBudget', 'awscheck-operator');
    const service = find(objects, 'Service', 'awscheck-operator-metrics');
    const selector = (
      (find(objects, 'Deployment', 'awscheck-operator').spec as Json).selector as Json
    ).matchLabels;

    expect(pdb.spec).toEqual({
      minAvailable: 1,
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
      selector: { matchLabels: selector },
    });
    expect(service.spec).toMatchObject({
      selector,
      ports: [{ name: 'http-metrics', port: 8080, targetPort: 'http' }],
    });
  });

  it('puts everything of another install in its own namespace, fenced for its own identity', () => {
    const other = installManifests({ namespace: 'ops', image: 'registry.example/awscheck:1.2.3' });
    const text = JSON.stringify(other);

    expect(text).not.toContain('awscheck-system');
    expect(text).not.toContain(DEFAULT_INSTALL.checkerImage);
    expect(find(other, 'ConfigMap', 'awscheck-checker-pods').data).toEqual({
      operatorUsername: 'system:serviceaccount:ops:awscheck-operator',
      checkerImage: 'registry.example/awscheck:1.2.3',
    });
  });

  it.each([
    ['a tag', 'registry.example/awscheck:1.2.3'],
    ['a digest', `registry.example/awscheck@sha256:${'ab12'.repeat(16)}`],
  ])('labels the version with the package’s version, for an image by %s', async (_, image) => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as Json;
    const objects = installManifests({ namespace: 'ops', image });
    const deployment = find(objects, 'Deployment', 'awscheck-operator') as {
      metadata: { labels: Json };
      spec: { template: { spec: { containers: { image: string }[] } } };
    };

    expect(VERSION).toBe(pkg.version);
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe(pkg.version);
    expect(deployment.spec.template.spec.containers[0]?.image).toBe(image);
    expect(find(objects, 'ConfigMap', 'awscheck-checker-pods').data).toMatchObject({
      checkerImage: image,
    });
  });
});

describe('operatorEnv', () => {
  /**
   * readBack is the configuration the operator loads from an environment operatorEnv wrote;
   * POD_NAME, from the Pod's name, is what the kubelet would give.
   */
  const readBack = (config: OperatorConfig): OperatorConfig => {
    const env = Object.fromEntries(
      operatorEnv(config).map(({ name, value }) => [name, value ?? config.podName]),
    );
    return loadConfig(env);
  };

  it.each([
    ['the defaults', {}],
    [
      'the platform identity with its role and audience',
      {
        AWSCHECK_ALLOW_PLATFORM_IDENTITY: 'true',
        AWSCHECK_PLATFORM_ROLE_ARN: 'arn:aws:iam::123456789012:role/AwsCheckPlatform',
        AWSCHECK_PLATFORM_TOKEN_AUDIENCE: 'checkers.example.com',
      },
    ],
    [
      'every other knob changed',
      {
        AWSCHECK_IMAGE_PULL_POLICY: 'Never',
        AWSCHECK_WORKERS: '8',
        AWSCHECK_LEASE_DURATION_SECONDS: '30',
        AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS: '20',
        AWSCHECK_LEASE_RETRY_SECONDS: '4',
        AWSCHECK_CHECKER_MEMORY: '512Mi',
        AWSCHECK_JOB_HISTORY: '5',
        AWSCHECK_LOG_LEVEL: 'debug',
        AWSCHECK_KUBE_QPS: '12.5',
        AWSCHECK_KUBE_BURST: '40',
      },
    ],
    [
      'one shard with its own Lease',
      { AWSCHECK_SHARD_SELECTOR: 'shard in (a,b),!legacy', AWSCHECK_LEASE_NAME: 'awscheck-a' },
    ],
  ])('writes a configuration with %s as the environment it is loaded back from', (_, env) => {
    const config = loadConfig({
      AWSCHECK_CHECKER_IMAGE: 'registry.example/awscheck:1.2.3',
      AWSCHECK_NAMESPACE: 'ops',
      ...env,
    });

    expect(readBack(config)).toEqual(config);
  });
});

describe('installYaml', () => {
  it('is the objects as YAML, headed as a generated file', () => {
    const yaml = installYaml();

    expect(yaml).toMatch(
      /^# Generated by `npm run generate` \(operator\/api\/generate.ts\) from cdk8s\//,
    );
    expect(parseAllDocuments(yaml).map((d) => d.toJS() as Json)).toEqual(installManifests());
  });

  it(
    'is printed by `npm run synth` as Node runs it, for the default install and another',
    SPAWNS,
    async () => {
      const synth = (args: string[]): Promise<{ stdout: string }> =>
        run(process.execPath, [join(ROOT, 'cdk8s/synth.ts'), ...args], { cwd: ROOT });
      const options = { namespace: 'ops', image: 'registry.example/awscheck:1.2.3' };

      expect((await synth([])).stdout).toBe(await readFile(join(ROOT, INSTALL_FILE), 'utf8'));
      const other = await synth(['--namespace', options.namespace, '--image', options.image]);
      expect(other.stdout).toBe(installYaml(options));
      expect(other.stdout).toMatch(/^# Synthesized by `npm run synth`/);
    },
  );
});
