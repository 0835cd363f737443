// The operator as a host process whose checker pods run on the real node, with the image
// built from the Dockerfile, and tenants whose pods go there.
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { TestEnvInfo } from '../env/environment.ts';
import { AWS_ENDPOINT_ANNOTATION } from '../env/pod-runner/runner.ts';
import { AWS_TEST_KEYS, type CustomObjects } from '../support/awscheck.ts';
import type { KubeClients } from '../support/kube.ts';
import { installOperator, startOperator, type RunningOperator } from '../support/operator.ts';
import { createTenant } from '../support/tenant.ts';
import { nodeLabels, nodeOf } from './pods.ts';

/**
 * startNodeOperator installs an operator fenced to the built image and starts one replica
 * configured with it (never pulled: the node has it imported).
 */
export async function startNodeOperator(
  env: TestEnvInfo,
  extra: Readonly<Record<string, string>> = {},
): Promise<RunningOperator> {
  const { image } = nodeOf(env);
  const setup = await installOperator(env, image);
  return startOperator(env, setup, 'replica-a', {
    AWSCHECK_CHECKER_IMAGE: image,
    AWSCHECK_IMAGE_PULL_POLICY: 'Never',
    ...extra,
  });
}

/** NodeTenantOptions: the Secret's keys (null: none) and where its AWS calls go. */
export interface NodeTenantOptions {
  readonly keys?: Readonly<Record<string, string>> | null;
  readonly awsEndpointUrl?: string;
}

/** createNodeTenant makes a tenant (Secret `aws-keys`, ref `readonly`) whose pods run on the real node. */
export async function createNodeTenant(
  env: TestEnvInfo,
  admin: KubeClients,
  objects: CustomObjects,
  { keys = AWS_TEST_KEYS, awsEndpointUrl }: NodeTenantOptions = {},
): Promise<string> {
  return createTenant(admin, objects, {
    prefix: 'node',
    labels: nodeLabels(nodeOf(env)),
    keys,
    before: async (namespace) => {
      if (awsEndpointUrl === undefined) return;
      await admin.core.patchNamespace(
        {
          name: namespace,
          body: { metadata: { annotations: { [AWS_ENDPOINT_ANNOTATION]: awsEndpointUrl } } },
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
  });
}
