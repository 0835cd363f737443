// A tenant as the end-to-end tests make one: a namespace, the Secret `aws-keys` and the
// AwsCredentialRef `readonly` that names it.
import { AWS_TEST_KEYS, type CustomObjects } from './awscheck.ts';
import { createNamespace, type KubeClients } from './kube.ts';

/** TENANT_CREDENTIAL_REF names the credential ref every test tenant gets. */
export const TENANT_CREDENTIAL_REF = 'readonly';

/**
 * TenantOptions: the namespace's name prefix and labels, the Secret's keys (none: no
 * Secret), and what to do in the namespace before anything is in it.
 */
export interface TenantOptions {
  readonly prefix?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly keys?: Readonly<Record<string, string>> | null;
  readonly before?: (namespace: string) => Promise<unknown>;
}

/** createTenant makes a tenant namespace with its keys and credential ref. */
export async function createTenant(
  admin: KubeClients,
  objects: CustomObjects,
  { prefix = 'tenant', labels = {}, keys = AWS_TEST_KEYS, before }: TenantOptions = {},
): Promise<string> {
  const namespace = await createNamespace(admin.core, prefix, labels);
  await before?.(namespace);
  if (keys !== null) {
    await admin.core.createNamespacedSecret({
      namespace,
      body: { metadata: { name: 'aws-keys' }, stringData: { ...keys } },
    });
  }
  await objects.create('awscredentialrefs', namespace, {
    apiVersion: 'awscheck.io/v1alpha1',
    kind: 'AwsCredentialRef',
    metadata: { name: TENANT_CREDENTIAL_REF },
    spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
  });
  return namespace;
}
