// What the chart renders from its generated templates is exactly what the code declares for
// that install, and every knob reaches the operator and the portal as the variable their
// own configuration parses.
import { describe, expect, it } from 'vitest';
import { admissionManifests } from '../operator/admission.ts';
import { loadConfig } from '../operator/config.ts';
import { catalogConfigMap } from '../operator/plans/configmap.ts';
import { rbacManifests, tenantRoleManifest } from '../operator/rbac.ts';
import { portalFenceBinding, portalFencePolicy } from '../portal/admission.ts';
import { loadPortalConfig } from '../portal/config.ts';
import { portalRbacManifests } from '../portal/rbac.ts';
import { ALL_ON_VALUES, renderChart, type RenderedObject } from '../test/support/helm.ts';
import { operatorBindings } from './bindings.ts';
import { GENERATED_TEMPLATES } from './chart-files.ts';

const NAMESPACE = 'team-platform';
const SERVICE_ACCOUNT = 'checks-operator';
const CHECKER_IMAGE = 'registry.example.com/awscheck/checker:1.2.3';

const INSTALL = {
  'serviceAccount.name': SERVICE_ACCOUNT,
  'checker.image.repository': 'registry.example.com/awscheck/checker',
  'checker.image.tag': '1.2.3',
};

interface Named {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string };
}

const keyOf = (object: Named): string => `${object.kind ?? ''}/${object.metadata?.name ?? ''}`;

/** sorted orders objects by kind and name: helm installs (and prints) them in its kind order. */
const sorted = (objects: readonly Named[]): Named[] =>
  [...objects].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));

function fromTemplate(objects: readonly RenderedObject[], file: string): Named[] {
  return sorted(
    objects
      .filter(({ source }) => source === `templates/generated/${file}`)
      .map(({ object }) => object),
  );
}

const withNamespace = <T extends { metadata?: object }>(object: T): T => ({
  ...object,
  metadata: { ...object.metadata, namespace: NAMESPACE },
});

describe('generated templates', () => {
  it('render exactly the code’s declarations for the install, with the portal and the platform identity off', async () => {
    const { objects } = await renderChart({ namespace: NAMESPACE, set: INSTALL });
    const [clusterRole, ...roles] = rbacManifests();

    expect(fromTemplate(objects, 'operator-rbac.yaml')).toEqual(
      sorted([
        clusterRole,
        ...roles.map(withNamespace),
        ...operatorBindings(NAMESPACE, SERVICE_ACCOUNT),
      ]),
    );
    expect(fromTemplate(objects, 'tenant-clusterrole.yaml')).toEqual([tenantRoleManifest()]);
    expect(fromTemplate(objects, 'checker-pods-admission.yaml')).toEqual(
      sorted(
        admissionManifests({
          namespace: NAMESPACE,
          operatorUsername: `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
          checkerImage: CHECKER_IMAGE,
        }),
      ),
    );
    expect(fromTemplate(objects, 'plans-configmap.yaml')).toEqual([catalogConfigMap(NAMESPACE)]);
    expect(fromTemplate(objects, 'portal-rbac.yaml')).toEqual([]);
  });

  it('render the platform token audience and the portal’s RBAC and fence in the release namespace when on', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      set: {
        ...INSTALL,
        'operator.platformIdentity.roleArn': 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
        'operator.platformIdentity.tokenAudience': 'checks.example.com',
        'portal.existingSecret.name': 'portal-secrets',
        'portal.publicUrl': 'https://portal.example.com',
        'portal.cognito.region': 'eu-west-1',
        'portal.cognito.userPoolId': 'eu-west-1_AbC123',
        'portal.cognito.clientId': 'client',
        'portal.kubeconfig.server': 'https://kubernetes.example.com',
        'portal.platformPrincipalArn': 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
      },
      setTyped: { 'operator.platformIdentity.enabled': 'true', 'portal.enabled': 'true' },
    });

    expect(fromTemplate(objects, 'checker-pods-admission.yaml')).toEqual(
      sorted(
        admissionManifests({
          namespace: NAMESPACE,
          operatorUsername: `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
          checkerImage: CHECKER_IMAGE,
          platformTokenAudience: 'checks.example.com',
        }),
      ),
    );
    expect(fromTemplate(objects, 'portal-rbac.yaml')).toEqual(
      sorted([
        ...portalRbacManifests(NAMESPACE),
        portalFencePolicy(NAMESPACE),
        portalFenceBinding(NAMESPACE),
      ]),
    );
  });

  it('leave out the plan catalog when the install manages it itself', async () => {
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      setTyped: { 'plans.create': 'false' },
    });

    expect(fromTemplate(objects, 'plans-configmap.yaml')).toEqual([]);
  });

  it('are every file of templates/generated', async () => {
    const { objects } = await renderChart({ namespace: NAMESPACE, valuesFiles: [ALL_ON_VALUES] });
    const sources = new Set(
      objects
        .map(({ source }) => source)
        .filter((source) => source.startsWith('templates/generated/')),
    );

    expect([...sources].sort()).toEqual(
      Object.keys(GENERATED_TEMPLATES)
        .map((file) => `templates/generated/${file}`)
        .sort(),
    );
  });
});

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: {
    readonly fieldRef?: unknown;
    readonly secretKeyRef?: { readonly key: string };
  };
}

function containerEnv(objects: readonly RenderedObject[], deployment: string): EnvVar[] {
  const found = objects.find(
    ({ object }) => object.kind === 'Deployment' && object.metadata.name === deployment,
  );
  const spec = found?.object.spec as
    { template: { spec: { containers: { env: EnvVar[] }[] } } } | undefined;
  const env = spec?.template.spec.containers[0]?.env;
  if (env === undefined) throw new Error(`no Deployment ${deployment} with env rendered`);
  return env;
}

/** environmentOf resolves env as the kubelet would: the pod's name, the Secret's values. */
function environmentOf(
  env: readonly EnvVar[],
  secrets: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return Object.fromEntries(
    env.map((variable) => {
      if (variable.valueFrom?.fieldRef !== undefined)
        return [variable.name, 'awscheck-operator-pod'];
      const key = variable.valueFrom?.secretKeyRef?.key;
      if (key !== undefined) return [variable.name, secrets[key] ?? ''];
      return [variable.name, variable.value ?? ''];
    }),
  );
}

const PORTAL_SECRETS = {
  PORTAL_SESSION_SECRET: 'x'.repeat(32),
  STRIPE_SECRET_KEY: 'sk_test_chart',
  STRIPE_WEBHOOK_SECRET: 'whsec_chart',
};

describe('the operator’s and the portal’s environment', () => {
  it('gives the operator its own defaults when the chart’s are used', async () => {
    const { objects } = await renderChart({ namespace: NAMESPACE });
    const env = environmentOf(containerEnv(objects, 'awscheck-operator'));

    expect(loadConfig(env)).toEqual(
      loadConfig({
        AWSCHECK_CHECKER_IMAGE: 'ghcr.io/awscheck/awscheck-operator:0.1.0',
        AWSCHECK_NAMESPACE: NAMESPACE,
        POD_NAME: 'awscheck-operator-pod',
      }),
    );
  });

  it('sets every operator knob of the all-on values, as the operator parses it', async () => {
    const { objects } = await renderChart({ namespace: NAMESPACE, valuesFiles: [ALL_ON_VALUES] });

    expect(loadConfig(environmentOf(containerEnv(objects, 'awscheck-operator')))).toEqual({
      checkerImage: 'registry.example.com/awscheck/checker:0.1.0-rc.1',
      imagePullPolicy: 'Always',
      namespace: NAMESPACE,
      podName: 'awscheck-operator-pod',
      httpPort: 9090,
      httpHost: '0.0.0.0',
      workers: 8,
      resyncMs: 600_000,
      lease: {
        name: 'awscheck-operator-all-on',
        durationMs: 20_000,
        renewDeadlineMs: 12_000,
        retryPeriodMs: 3_000,
      },
      platformIdentity: {
        roleArn: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
        audience: 'awscheck.io/checker',
      },
      checkerResources: { cpu: '200m', cpuLimit: '2', memory: '512Mi' },
      revalidateMs: 7_200_000,
      jobHistory: 5,
      kubeClient: { qps: 12.5, burst: 40 },
      shardSelector: 'awscheck.io/tenant,tier notin (legacy)',
      logLevel: 'debug',
    });
  });

  it('gives the portal its own defaults when only the required values are set', async () => {
    const required = {
      'portal.existingSecret.name': 'portal-secrets',
      'portal.publicUrl': 'https://portal.example.com',
      'portal.cognito.region': 'eu-west-1',
      'portal.cognito.userPoolId': 'eu-west-1_AbC123',
      'portal.cognito.clientId': 'client',
      'portal.kubeconfig.server': 'https://kubernetes.example.com',
      'portal.platformPrincipalArn': 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
    };
    const { objects } = await renderChart({
      namespace: NAMESPACE,
      set: required,
      setTyped: { 'portal.enabled': 'true' },
    });
    const env = environmentOf(containerEnv(objects, 'awscheck-portal'), PORTAL_SECRETS);

    expect(loadPortalConfig(env)).toEqual(
      loadPortalConfig({
        ...PORTAL_SECRETS,
        PORTAL_PUBLIC_URL: 'https://portal.example.com',
        AWSCHECK_NAMESPACE: NAMESPACE,
        COGNITO_REGION: 'eu-west-1',
        COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
        COGNITO_CLIENT_ID: 'client',
        KUBE_PUBLIC_SERVER: 'https://kubernetes.example.com',
        PLATFORM_PRINCIPAL_ARN: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
      }),
    );
  });

  it('sets every portal knob of the all-on values, as the portal parses it', async () => {
    const { objects } = await renderChart({ namespace: NAMESPACE, valuesFiles: [ALL_ON_VALUES] });

    expect(
      loadPortalConfig(environmentOf(containerEnv(objects, 'awscheck-portal'), PORTAL_SECRETS)),
    ).toEqual({
      http: { host: '0.0.0.0', port: 3001, trustProxy: 1 },
      publicUrl: 'https://portal.example.com',
      secureCookies: true,
      sessionSecret: PORTAL_SECRETS.PORTAL_SESSION_SECRET,
      operatorNamespace: NAMESPACE,
      cognito: {
        region: 'eu-west-1',
        userPoolId: 'eu-west-1_AbCdEf123',
        clientId: '1example23456789',
        endpoint: 'https://cognito-idp.eu-west-1.amazonaws.com',
      },
      stripe: {
        secretKey: PORTAL_SECRETS.STRIPE_SECRET_KEY,
        webhookSecret: PORTAL_SECRETS.STRIPE_WEBHOOK_SECRET,
        apiUrl: 'https://api.stripe.com',
        toleranceSeconds: 120,
      },
      kubeconfig: {
        server: 'https://kubernetes.example.com:6443',
        caFile: '/etc/awscheck/kube-public-ca/ca.crt',
        tokenSeconds: 7200,
      },
      platformPrincipalArn: 'arn:aws:iam::210987654321:role/AwsCheckPlatform',
      sessionMaxAgeMs: 14 * 24 * 3600 * 1000,
      authRateLimit: { limit: 20, windowMs: 600_000 },
      formActionOrigins: ['https://checkout.stripe.com', 'https://billing.stripe.com'],
      catalogCacheMs: 30_000,
      resyncMs: 600_000,
      kubeTimeoutMs: 15_000,
      logLevel: 'debug',
    });
  });
});
