// What the cdk8s apps synthesize, applied the way their users apply it: install.yaml with
// `kubectl apply --server-side` and a tenant's app (the typed constructs), both as a server
// dry run against the real apiserver; and the operator's pod admitted under the restricted
// Pod Security Standard.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { App, Chart } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AwsAccountChecks,
  AwsCheckSpecService,
  type AwsAccountCheckSpec,
} from '../../cdk8s/index.ts';
import { DEFAULT_OPTIONS, INSTALL_FILE, installManifests } from '../../cdk8s/install.ts';
import { installCrds } from '../support/crds.ts';
import { createNamespace, kubeClients, statusOf } from '../support/kube.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const env = inject('testenv');
const admin = kubeClients(env.kubeconfig);
const run = promisify(execFile);

type Json = Record<string, unknown>;

/**
 * dryRunApply runs `kubectl apply --server-side --dry-run=server` and returns what the
 * apiserver made of it. Other test files of the shared environment apply the same
 * cluster-scoped policies under their own field manager; the dry run forces past them.
 */
async function dryRunApply(file: string): Promise<Json[]> {
  const args = ['--kubeconfig', env.kubeconfig, 'apply', '--server-side', '--dry-run=server'];
  args.push('--force-conflicts');
  const { stdout } = await run(
    env.kubectl,
    [...args, '--field-manager', 'awscheck-cdk8s-tests', '-o', 'json', '-f', file],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const printed = JSON.parse(stdout) as Json;
  return printed.kind === 'List' ? (printed.items as Json[]) : [printed];
}

const keyOf = (object: Json): string => {
  const metadata = object.metadata as { name: string; namespace?: string };
  return `${String(object.kind)}/${metadata.namespace ?? ''}/${metadata.name}`;
};

let scratch: string;

/** synthTenantApp synthesizes a tenant's app, as `cdk8s synth` would, and returns its file. */
async function synthTenantApp(
  namespace: string,
  checks: Record<string, AwsAccountCheckSpec>,
): Promise<string> {
  const app = new App();
  new AwsAccountChecks(new Chart(app, 'tenant', { namespace }), 'prod', {
    name: 'prod',
    credentials: { secretRef: { name: 'prod-keys' } },
    checks,
  });
  const file = join(scratch, `${namespace}.yaml`);
  await writeFile(file, app.synthYaml());
  return file;
}
let createdInstallNamespace = false;

beforeAll(async () => {
  await installCrds(env.kubeconfig);
  scratch = await mkdtemp(join(tmpdir(), 'awscheck-cdk8s-'));
  // A dry run creates nothing: the namespaced objects need their namespace to exist.
  const { namespace } = DEFAULT_OPTIONS;
  const exists = await admin.core.readNamespace({ name: namespace }).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
    createdInstallNamespace = true;
  }
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  if (createdInstallNamespace)
    await admin.core.deleteNamespace({ name: DEFAULT_OPTIONS.namespace });
});

describe('install.yaml', () => {
  it('is accepted whole by kubectl apply --server-side (server dry run)', async () => {
    const file = join(ROOT, INSTALL_FILE);
    const documents = parseAllDocuments(await readFile(file, 'utf8')).map(
      (document) => document.toJS() as Json,
    );

    const applied = await dryRunApply(file);

    expect(applied.map(keyOf)).toEqual(documents.map(keyOf));
    // The apiserver filled in its defaults: it admitted the objects, not just read them.
    const deployment = applied.find((object) => object.kind === 'Deployment') as Json;
    expect((deployment.spec as Json).progressDeadlineSeconds).toBe(600);
  });

  it('runs the operator’s pod in a namespace that enforces the restricted Pod Security Standard', async () => {
    const namespace = await createNamespace(admin.core, 'cdk8s-restricted', {
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    const deployment = installManifests().find((object) => object.kind === 'Deployment') as Json;
    const template = (deployment.spec as Json).template as Json;
    const pod = template.spec as { serviceAccountName: string };
    await admin.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: pod.serviceAccountName } },
    });

    const created = await admin.core.createNamespacedPod({
      namespace,
      dryRun: 'All',
      body: {
        metadata: {
          name: 'operator',
          labels: (template.metadata as Json).labels as Record<string, string>,
        },
        spec: template.spec as never,
      },
    });

    expect(created.metadata?.name).toBe('operator');
    const root = { ...(template.spec as Json), securityContext: { runAsUser: 0 } };
    const refused = await statusOf(
      admin.core.createNamespacedPod({
        namespace,
        dryRun: 'All',
        body: { metadata: { name: 'as-root' }, spec: root as never },
      }),
    );
    expect(refused.code).toBe(403);
    expect(refused.message).toContain('restricted');
  });
});

describe('a tenant’s cdk8s app', () => {
  it('is accepted by kubectl apply --server-side, with the CRDs’ defaults filled in', async () => {
    const namespace = await createNamespace(admin.core, 'cdk8s-tenant');
    const file = await synthTenantApp(namespace, {
      ec2: { service: AwsCheckSpecService.EC2, type: 'HealthCheck' },
      buckets: { service: 's3', type: 'ResourceList', expect: { min: 1 } },
    });

    const applied = await dryRunApply(file);

    expect(applied.map(keyOf)).toEqual([
      `AwsCredentialRef/${namespace}/prod`,
      `AwsCheck/${namespace}/prod-ec2`,
      `AwsCheck/${namespace}/prod-buckets`,
    ]);
    expect(applied[0]?.spec).toEqual({ region: 'us-east-1', secretRef: { name: 'prod-keys' } });
    expect(applied[1]?.spec).toMatchObject({
      credentialRef: { name: 'prod' },
      schedule: '@daily',
      firstRun: 'Immediately',
      timeoutSeconds: 300,
    });
  });

  it('is refused by the apiserver where the CRD refuses a value the types allow', async () => {
    const namespace = await createNamespace(admin.core, 'cdk8s-tenant');
    const file = await synthTenantApp(namespace, {
      ec2: { service: 'ec2', type: 'HealthCheck', timeoutSeconds: 0 },
    });

    await expect(dryRunApply(file)).rejects.toThrow(/spec\.timeoutSeconds/);
  });
});
