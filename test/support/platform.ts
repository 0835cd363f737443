// The whole product on the test environment, as `npm run dev` and the browser journey run
// it: the operator and the portal, each as an identity bound only to its generated RBAC,
// sharing one install namespace (the plan catalog ConfigMap lives there), a Cognito user
// pool in moto, and the stand-in for Stripe's hosted pages in front of stripe-mock.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { applyObject } from './admission.ts';
import { AWS_TEST_KEYS } from './awscheck.ts';
import {
  createUserPool,
  startCognitoStandIn,
  type CognitoStandIn,
  type TestUserPool,
} from './cognito.ts';
import { installOperator, startOperator, type RunningOperator } from './operator.ts';
import { TEST_PLATFORM_PRINCIPAL, TEST_WEBHOOK_SECRET } from './portal.ts';
import { portalIdentity } from './portal-identity.ts';
import { awaitQuotaDiscovery } from './provisioning.ts';
import { tenantRoleManifest } from '../../operator/rbac.ts';
import { startCheckoutStandIn, type CheckoutStandIn } from '../env/checkout-standin.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import { repoPath } from '../env/paths.ts';
import { freePort } from '../env/ports.ts';
import {
  startProcess,
  stopProcessGroup,
  waitUntil,
  type RunningProcess,
} from '../env/processes.ts';

/** Platform is the running product. */
export interface Platform {
  readonly operator: RunningOperator;
  readonly portal: RunningPortal;
  readonly pool: TestUserPool;
  /** moto's Cognito with the one call moto lacks (ResendConfirmationCode) answered. */
  readonly cognito: CognitoStandIn;
  readonly checkout: CheckoutStandIn;
  /** The namespace of the install: the operator's Lease, the catalog ConfigMap. */
  readonly namespace: string;
  stop(): Promise<void>;
}

/** PlatformOptions: the operator replica's name. */
export interface PlatformOptions {
  readonly name: string;
}

/** startPlatform installs and starts the operator and the portal; stop() stops both. */
export async function startPlatform(env: TestEnvInfo, options: PlatformOptions): Promise<Platform> {
  const setup = await installOperator(env);
  await applyObject(env.kubeconfig, tenantRoleManifest());
  await awaitQuotaDiscovery(env.kubeconfig);
  const operator = await startOperator(env, setup, options.name);
  const pool = await createUserPool(env.awsEndpointUrl, 'awscheck-portal');
  const cognito = await startCognitoStandIn(pool);
  const port = await freePort();
  const checkout = await startCheckoutStandIn({
    stripeMockUrl: env.stripeApiBase,
    webhookUrl: `http://127.0.0.1:${port}/webhooks/stripe`,
    webhookSecret: TEST_WEBHOOK_SECRET,
  });
  const portal = await startPortalProcess(env, {
    port,
    kubeconfig: await portalIdentity(env, setup.namespace),
    logFile: join(env.runDir, `${setup.namespace}-portal.log`),
    env: {
      AWSCHECK_NAMESPACE: setup.namespace,
      COGNITO_REGION: pool.region,
      COGNITO_USER_POOL_ID: pool.userPoolId,
      COGNITO_CLIENT_ID: pool.clientId,
      COGNITO_ENDPOINT: cognito.url,
      // The stand-in serves the API and the hosted pages forms redirect to.
      STRIPE_API_URL: checkout.url,
      PORTAL_CSP_FORM_ACTION: checkout.url,
    },
  });
  return {
    operator,
    portal,
    pool,
    cognito,
    checkout,
    namespace: setup.namespace,
    stop: async () => {
      await portal.stop();
      await checkout.stop();
      await cognito.close();
      await operator.stop();
    },
  };
}

/**
 * QUICKSTART_MANIFEST is what a new tenant applies with the downloaded kubeconfig: keys
 * for the AWS emulator in a Secret, the credential ref naming it, and an STS check.
 */
export const QUICKSTART_MANIFEST = `apiVersion: v1
kind: Secret
metadata: {name: aws-keys}
stringData:
  AWS_ACCESS_KEY_ID: ${AWS_TEST_KEYS.AWS_ACCESS_KEY_ID}
  AWS_SECRET_ACCESS_KEY: ${AWS_TEST_KEYS.AWS_SECRET_ACCESS_KEY}
---
apiVersion: awscheck.io/v1alpha1
kind: AwsCredentialRef
metadata: {name: readonly}
spec: {region: us-east-1, secretRef: {name: aws-keys}}
---
apiVersion: awscheck.io/v1alpha1
kind: AwsCheck
metadata: {name: who-am-i}
spec: {credentialRef: {name: readonly}, service: sts, type: HealthCheck, schedule: '@daily'}
`;

/** RunningPortal is `node portal/main.ts` as a process. */
export interface RunningPortal {
  readonly url: string;
  readonly process: RunningProcess;
  stop(): Promise<void>;
}

interface PortalProcessOptions {
  readonly port: number;
  /** The portal's identity. */
  readonly kubeconfig: string;
  readonly logFile: string;
  /** Where it finds Cognito, Stripe and the catalog. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * startPortalProcess runs the portal's own entry point, configured only through its
 * environment as in a Deployment, and waits until it serves pages.
 */
async function startPortalProcess(
  env: TestEnvInfo,
  options: PortalProcessOptions,
): Promise<RunningPortal> {
  const url = `http://127.0.0.1:${options.port}`;
  const running = startProcess({
    name: 'portal',
    command: process.execPath,
    args: [repoPath('portal/main.ts')],
    logFile: options.logFile,
    tiedToParent: true,
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: options.kubeconfig,
      PORTAL_HTTP_HOST: '127.0.0.1',
      PORTAL_HTTP_PORT: String(options.port),
      PORTAL_PUBLIC_URL: url,
      PORTAL_SESSION_SECRET: randomBytes(32).toString('hex'),
      STRIPE_SECRET_KEY: env.stripeApiKey,
      STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
      KUBE_PUBLIC_SERVER: env.apiServerUrl,
      KUBE_PUBLIC_CA_FILE: env.caCert,
      PLATFORM_PRINCIPAL_ARN: TEST_PLATFORM_PRINCIPAL,
      ...options.env,
    },
  });
  await waitUntil(async () => (await fetch(`${url}/sign-in`)).ok, {
    what: 'the portal',
    timeoutMs: 30_000,
    process: running,
  });
  return { url, process: running, stop: () => stopProcessGroup(running.pid) };
}
