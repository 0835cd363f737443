// The signed-in pages against a tenant provisioned by the real provisioner: the dashboard
// read live from the apiserver (escaped, and only the user's own namespace), the
// kubeconfig download, "connect an AWS account", and the catalog's 503 when it is missing.
import { KubeConfig, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { CATALOG_CONFIGMAP, CATALOG_KEY, defaultCatalog } from '../../operator/plans/catalog.ts';
import { externalIdFor, tenantNamespace } from '../../operator/plans/tenancy.ts';
import { freePlanState } from '../../portal/billing/subscription-state.ts';
import { CustomObjects } from '../support/awscheck.ts';
import {
  createConfirmedUser,
  createUserPool,
  type TestUser,
  type TestUserPool,
} from '../support/cognito.ts';
import { awaitQuotaDiscovery, quotaCounted } from '../support/provisioning.ts';
import { kubeClients } from '../support/kube.ts';
import {
  PortalBrowser,
  startPortal,
  TEST_PLATFORM_PRINCIPAL,
  type TestPortal,
} from '../support/portal.ts';

const env = inject('testenv');
const SCRIPT = '<script>alert("x")</script>';
let pool: TestUserPool;
let portal: TestPortal;
let objects: CustomObjects;

beforeAll(async () => {
  pool = await createUserPool(env.awsEndpointUrl);
  portal = await startPortal(env, { pool });
  objects = new CustomObjects(env.kubeconfig);
  // The quota controller discovers our kinds on its own schedule; wait here, under the hook's timeout.
  await awaitQuotaDiscovery(env.kubeconfig);
});
afterAll(async () => {
  await portal.close();
});

/** tenant signs a new user up, provisions their free plan, and signs them in. */
async function tenant(): Promise<{ user: TestUser; namespace: string; browser: PortalBrowser }> {
  const user = await createConfirmedUser(pool);
  const outcome = await portal.deps.provisioner.provision(freePlanState(user.sub, new Date()));
  await quotaCounted(env.kubeconfig, outcome.namespace);
  const browser = new PortalBrowser(portal.url);
  expect((await browser.signIn(user.email, user.password)).status).toBe(303);
  return { user, namespace: outcome.namespace, browser };
}

async function addCheck(namespace: string, name: string, message: string): Promise<void> {
  await objects.create('awschecks', namespace, {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'AwsCheck',
    metadata: { name },
    spec: { credentialRef: { name: 'readonly' }, service: 'ec2', type: 'HealthCheck' },
  });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = { lastTransitionTime: now, message, observedGeneration: 1 };
  await objects.api.patchNamespacedCustomObjectStatus(
    {
      group: GROUP,
      version: VERSION,
      plural: 'awschecks',
      namespace,
      name,
      body: {
        status: {
          conditions: [
            { ...condition, type: 'Ready', status: 'False', reason: 'InvalidConfiguration' },
            { ...condition, type: 'Healthy', status: 'Unknown', reason: 'NotRunYet' },
          ],
        },
      },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

describe('dashboard', () => {
  it('shows the tenant’s namespace, plan, usage against every limit and each check', async () => {
    const { user, namespace, browser } = await tenant();
    expect(namespace).toBe(tenantNamespace(user.sub));
    await addCheck(namespace, 'web-servers', 'credential ref readonly is missing');
    const page = await browser.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('private, no-store');
    expect(page.body).toContain(namespace);
    expect(page.body).toContain('Free');
    for (const limit of [
      'Checks',
      'AWS credential refs',
      'Runs at once',
      'Regions per check',
      'Services',
      'Shortest schedule',
      'Checker pod size',
    ])
      expect(page.body).toContain(limit);
    expect(page.body).toContain('web-servers');
    expect(page.body).toContain('InvalidConfiguration');
    expect(page.body).toContain('credential ref readonly is missing');
    expect(page.body).not.toContain('Manage billing'); // no Stripe customer on the free plan
  });

  it('renders a check message carrying <script> escaped', async () => {
    const { namespace, browser } = await tenant();
    await addCheck(namespace, 'escaped', SCRIPT);
    const page = await browser.get('/dashboard');
    expect(page.body).not.toContain('<script');
    expect(page.body).toContain('&lt;script>alert(&quot;x&quot;)&lt;/script>');
  });

  it('never shows user A the namespace or checks of user B', async () => {
    const a = await tenant();
    const b = await tenant();
    await addCheck(b.namespace, 'b-only-check', 'belongs to B');
    const page = await a.browser.get('/dashboard');
    expect(page.body).toContain(a.namespace);
    expect(page.body).not.toContain(b.namespace);
    expect(page.body).not.toContain('b-only-check');
    const connect = await a.browser.get('/connect-aws');
    expect(connect.body).not.toContain(b.namespace);
  });

  it('shows a self-refreshing setting-up page until the namespace exists', async () => {
    const user = await createConfirmedUser(pool);
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    const page = await browser.get('/dashboard');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<meta http-equiv="refresh" content="5"/>');
    expect(page.body).toContain('href="/"');
  });

  it('refuses a namespace of the user’s name labelled for someone else', async () => {
    const user = await createConfirmedUser(pool);
    const admin = kubeClients(env.kubeconfig);
    await admin.core.createNamespace({
      body: {
        metadata: {
          name: tenantNamespace(user.sub),
          labels: { 'awscheck.io/tenant': 'someone-else' },
        },
      },
    });
    const browser = new PortalBrowser(portal.url);
    await browser.signIn(user.email, user.password);
    const page = await browser.get('/dashboard');
    expect(page.status).toBe(403);
    expect(page.body).toContain('TenantMismatch');
  });
});

describe('kubeconfig download', () => {
  it('hands out a short-lived token for the tenant’s ServiceAccount, scoped to its namespace', async () => {
    const { namespace, browser } = await tenant();
    const response = await browser.get('/kubeconfig');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename=/);
    const file = parse(response.body) as { contexts: { context: { namespace: string } }[] };
    expect(file.contexts[0]?.context.namespace).toBe(namespace);
    const config = new KubeConfig();
    config.loadFromString(response.body);
    const core = config.makeApiClient(CoreV1Api);
    await expect(core.listNamespacedSecret({ namespace })).resolves.toBeDefined();
    await expect(core.listNamespace()).rejects.toMatchObject({ code: 403 });
  });

  it('sends a signed-out visitor to sign in', async () => {
    const response = await new PortalBrowser(portal.url).get('/kubeconfig');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/sign-in');
  });
});

describe('connect an AWS account', () => {
  it('shows the tenant’s ExternalId and principal, and a template trusting exactly them', async () => {
    const { namespace, browser } = await tenant();
    const uid =
      (await kubeClients(env.kubeconfig).core.readNamespace({ name: namespace })).metadata?.uid ??
      '';
    const externalId = externalIdFor(uid);
    const page = await browser.get('/connect-aws');
    expect(page.status).toBe(200);
    expect(page.body).toContain(externalId);
    expect(page.body).toContain(TEST_PLATFORM_PRINCIPAL);
    expect(page.body).toContain('ec2:DescribeInstances');
    // Both ways in: assumeRole alone, with what the operator's admin must set for it ...
    expect(page.body).toContain('AWSCHECK_ALLOW_PLATFORM_IDENTITY=true');
    expect(page.body).toContain('AWSCHECK_PLATFORM_ROLE_ARN');
    expect(page.body).toContain('PLATFORM_PRINCIPAL_ARN');
    // ... and the access-key alternative: a Secret, and a ref naming it and the role.
    expect(page.body).toContain('Alternative: start from access keys of your own');
    expect(page.body).toContain('kind: Secret');
    expect(page.body).toMatch(/secretRef:\s+name: aws-readonly-keys/);
    expect(page.body).toContain('AWS_SECRET_ACCESS_KEY');
    const template = await browser.get('/connect-aws/cloudformation.yaml');
    expect(template.headers.get('content-disposition')).toMatch(/^attachment;/);
    const parsed = parse(template.body) as {
      Resources: Record<string, { Properties: { AssumeRolePolicyDocument: unknown } }>;
    };
    const role = Object.values(parsed.Resources)[0];
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument)).toContain(externalId);
  });
});

describe('pricing', () => {
  it('lists every sellable plan with its limits; a signed-in user gets forms to /billing/checkout', async () => {
    const { browser } = await tenant();
    const page = await browser.get('/');
    expect(page.status).toBe(200);
    for (const plan of ['Free', 'Team', 'Business']) expect(page.body).toContain(plan);
    expect(page.body).not.toContain('Suspended');
    expect(page.body).toContain('action="/billing/checkout"');
    expect(page.body).toContain('name="plan" value="team"');
    expect(page.body).toContain('Start free');
  });

  it('offers only plans marked sellable: an active plan taken off sale is not on the page', async () => {
    const catalog = defaultCatalog();
    const business = { ...catalog.plans.business, sellable: false };
    const changed = { plans: { ...catalog.plans, business } };
    expect(business.active).toBe(true);
    const core = kubeClients(env.kubeconfig).core;
    const namespace = portal.deps.config.operatorNamespace;
    const replace = async (text: string): Promise<void> => {
      await core.patchNamespacedConfigMap(
        { name: CATALOG_CONFIGMAP, namespace, body: { data: { [CATALOG_KEY]: text } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    };
    await replace(stringify(changed));
    try {
      const page = await new PortalBrowser(portal.url).get('/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('id="plan-team"');
      expect(page.body).not.toContain('id="plan-business"');
    } finally {
      await replace(stringify(catalog));
    }
    expect((await new PortalBrowser(portal.url).get('/')).body).toContain('id="plan-business"');
  });

  it('answers 503 when the catalog ConfigMap is missing, never a default catalog', async () => {
    const admin = kubeClients(env.kubeconfig);
    const bare = `awscheck-bare-${Date.now().toString(36)}`;
    await admin.core.createNamespace({ body: { metadata: { name: bare } } });
    const other = await startPortal(env, { pool, operatorNamespace: bare });
    try {
      const page = await new PortalBrowser(other.url).get('/');
      expect(page.status).toBe(503);
      expect(page.body).toContain('CatalogUnavailable');
      await admin.core.createNamespacedConfigMap({
        namespace: bare,
        body: { metadata: { name: CATALOG_CONFIGMAP }, data: { 'catalog.yaml': 'plans: {}' } },
      });
      expect((await new PortalBrowser(other.url).get('/')).status).toBe(503);
    } finally {
      await other.close();
    }
  });
});
