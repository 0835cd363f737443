// Seeding a benchmark's tenants and checks through the keep-alive client: untenanted
// namespaces (no plan label: the plan puts no limit on them), each with the Secret
// `aws-keys` and the AwsCredentialRef `readonly`, whose status records a validation that
// succeeded (as an earlier operator left it, computed by the operator's own planCredential),
// so no validation run starts; then the checks, spread round-robin over the namespaces.
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { readAwsCredentialRef } from '../../operator/api/v1alpha1/parse.ts';
import type { OperatorConfig } from '../../operator/config.ts';
import { planCredential } from '../../operator/controller/credential-plan.ts';
import { UNLIMITED } from '../../operator/controller/plan-limits.ts';
import { toKubeTime } from '../../operator/controller/schedule.ts';
import { externalIdFor } from '../../operator/plans/tenancy.ts';
import { TENANT_CREDENTIAL_REF } from '../support/tenant.ts';
import { inBatches, type KubeHttp, type KubeObject } from './kube-http.ts';

/** A schedule that never fires during a run: midnight on New Year's Day. */
export const NEVER = '0 0 1 1 *';

/** SEED_CONCURRENCY is how many seeding requests are in flight. */
const SEED_CONCURRENCY = 32;

/** CHECKS_API is the path prefix of our kinds. */
export const CUSTOM_API = '/apis/awscheck.io/v1alpha1';

/** Tenant is one seeded namespace and its credential ref as the apiserver holds it. */
export interface Tenant {
  readonly namespace: string;
  readonly namespaceUid: string;
  readonly credential: AwsCredentialRef;
}

/** Seeded is everything seeded: the tenants and every check as the apiserver returned it. */
export interface Seeded {
  readonly tenants: readonly Tenant[];
  readonly checks: readonly KubeObject[];
}

/** SeedOptions: how many of each, a name prefix, and the spec fields every check shares. */
export interface SeedOptions {
  readonly prefix: string;
  readonly namespaces: number;
  readonly checks: number;
  readonly spec: Readonly<Record<string, unknown>>;
  readonly config: OperatorConfig;
}

/** seed creates the tenants, then the checks, and returns what the apiserver holds. */
export async function seed(http: KubeHttp, options: SeedOptions): Promise<Seeded> {
  const names = Array.from(
    { length: options.namespaces },
    (_, i) => `${options.prefix}-${String(i).padStart(5, '0')}`,
  );
  const tenants = await inBatches(names, SEED_CONCURRENCY, (name) =>
    seedTenant(http, name, options.config),
  );
  const indexes = Array.from({ length: options.checks }, (_, i) => i);
  const checks = await inBatches(indexes, SEED_CONCURRENCY, (i) => {
    const tenant = tenants[i % tenants.length];
    if (tenant === undefined) throw new Error('no tenants to seed checks into');
    return http.sendOk<KubeObject>({
      method: 'POST',
      path: `${CUSTOM_API}/namespaces/${tenant.namespace}/awschecks`,
      body: {
        apiVersion: 'awscheck.io/v1alpha1',
        kind: 'AwsCheck',
        metadata: { name: `check-${String(i).padStart(5, '0')}` },
        spec: { credentialRef: { name: TENANT_CREDENTIAL_REF }, ...options.spec },
      },
    });
  });
  return { tenants, checks };
}

async function seedTenant(http: KubeHttp, name: string, config: OperatorConfig): Promise<Tenant> {
  const namespace = await http.sendOk<KubeObject>({
    method: 'POST',
    path: '/api/v1/namespaces',
    body: { metadata: { name } },
  });
  await http.sendOk({
    method: 'POST',
    path: `/api/v1/namespaces/${name}/secrets`,
    body: {
      metadata: { name: 'aws-keys' },
      stringData: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    },
  });
  const created = await http.sendOk<KubeObject>({
    method: 'POST',
    path: `${CUSTOM_API}/namespaces/${name}/awscredentialrefs`,
    body: {
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCredentialRef',
      metadata: { name: TENANT_CREDENTIAL_REF },
      spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
    },
  });
  const namespaceUid = namespace.metadata.uid ?? '';
  const status = validatedStatus(created, namespaceUid, config);
  const written = await http.sendOk({
    method: 'PUT',
    path: `${CUSTOM_API}/namespaces/${name}/awscredentialrefs/${TENANT_CREDENTIAL_REF}/status`,
    body: { ...created, status },
  });
  const parsed = readAwsCredentialRef(written);
  if (!parsed.ok) throw new Error(`the seeded credential ref does not parse: ${parsed.message}`);
  return { namespace: name, namespaceUid, credential: parsed.value };
}

// validatedStatus is the status the operator writes for a ref whose validation succeeded
// just now: planCredential run on the recorded validation, so the operator agrees with it.
function validatedStatus(
  created: KubeObject,
  namespaceUid: string,
  config: OperatorConfig,
): AwsCredentialRef['status'] {
  const now = new Date();
  const completionTime = toKubeTime(now);
  const recorded = {
    ...created,
    status: {
      lastValidation: {
        jobName: 'seeded-validation',
        generation: created.metadata.generation ?? 1,
        completionTime,
        outcome: 'Succeeded',
        message: 'seeded by the benchmark as validated',
      },
      consecutiveFailures: 0,
      lastValidatedTime: completionTime,
      identity: {
        accountId: '123456789012',
        arn: 'arn:aws:iam::123456789012:user/moto',
        userId: 'AKIAIOSFODNN7EXAMPLE',
      },
    },
  };
  const ref = readAwsCredentialRef(recorded);
  if (!ref.ok) throw new Error(`the seeded credential status does not parse: ${ref.message}`);
  const facts = {
    ref: ref.value,
    externalId: externalIdFor(namespaceUid),
    plan: UNLIMITED,
    validations: [],
    checkRuns: [],
    now,
  };
  return planCredential(facts, config).status;
}
