// Typed access to our custom objects for tests, through the admin or a tenant identity.
import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { AwsCheck } from '../../operator/api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import type { Condition } from '../../operator/api/v1alpha1/common.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';

type Plural = 'awschecks' | 'awscredentialrefs';

/** CustomObjects creates, reads and patches AwsChecks and AwsCredentialRefs. */
export class CustomObjects {
  readonly api: CustomObjectsApi;
  constructor(kubeconfigPath: string) {
    const config = new KubeConfig();
    config.loadFromFile(kubeconfigPath);
    this.api = config.makeApiClient(CustomObjectsApi);
  }

  async create(plural: Plural, namespace: string, body: object): Promise<void> {
    await this.api.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural,
      namespace,
      body,
    });
  }

  async check(namespace: string, name: string): Promise<AwsCheck> {
    return (await this.api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'awschecks',
      namespace,
      name,
    })) as AwsCheck;
  }

  async credential(namespace: string, name: string): Promise<AwsCredentialRef> {
    return (await this.api.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'awscredentialrefs',
      namespace,
      name,
    })) as AwsCredentialRef;
  }

  /** mergePatch applies a JSON merge patch to an object (spec or metadata). */
  async mergePatch(plural: Plural, namespace: string, name: string, patch: object): Promise<void> {
    const { setHeaderOptions, PatchStrategy } = await import('@kubernetes/client-node');
    await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural, namespace, name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** delete deletes an object; `Orphan` leaves its children behind, without owner. */
  async delete(
    plural: Plural,
    namespace: string,
    name: string,
    propagationPolicy?: 'Orphan' | 'Background' | 'Foreground',
  ): Promise<void> {
    await this.api.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      plural,
      namespace,
      name,
      ...(propagationPolicy !== undefined && { propagationPolicy }),
    });
  }

  /** exists tells whether an object of this kind and name exists. */
  async exists(plural: Plural, namespace: string, name: string): Promise<boolean> {
    try {
      await this.api.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural,
        namespace,
        name,
      });
      return true;
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return false;
      throw error;
    }
  }
}

/** conditionOf finds a condition by type. */
export function conditionOf(
  object: { status?: { conditions?: readonly Condition[] | undefined } | undefined },
  type: string,
): Condition | undefined {
  return object.status?.conditions?.find((c) => c.type === type);
}

/** AWS_TEST_KEYS are keys moto accepts when it does not enforce IAM. */
export const AWS_TEST_KEYS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
} as const;
