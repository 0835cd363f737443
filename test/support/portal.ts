// The portal in-process for tests: createApp with real dependencies (the test apiserver,
// moto's Cognito, stripe-mock) served on 127.0.0.1:0, an adjustable clock, and a
// cookie-keeping client that fills in CSRF tokens the way a browser submits a form.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { catalogConfigMap } from '../../operator/plans/configmap.ts';
import { createApp } from '../../portal/app.ts';
import { CSRF_FIELD } from '../../portal/auth/csrf.ts';
import { loadPortalConfig } from '../../portal/config.ts';
import type { MakeProvisioner, PortalDeps } from '../../portal/deps.ts';
import { createProvisioner } from '../../portal/provisioning/provisioner.ts';
import { tenantRoleManifest } from '../../operator/rbac.ts';
import { GROUP, VERSION } from '../../operator/api/v1alpha1/common.ts';
import { realDeps } from '../../portal/real-deps.ts';
import type { TestEnvInfo } from '../env/environment.ts';
import type { TestUserPool } from './cognito.ts';
import { applyObject } from './admission.ts';
import { installCrds } from './crds.ts';
import { eventually } from './eventually.ts';
import { kubeClients } from './kube.ts';

/** TEST_WEBHOOK_SECRET signs the Stripe webhooks of test portals. */
export const TEST_WEBHOOK_SECRET = 'whsec_testportal';

/** TEST_PLATFORM_PRINCIPAL is the principal tenants' roles trust in tests. */
export const TEST_PLATFORM_PRINCIPAL = 'arn:aws:iam::123456789012:role/awscheck-platform';

/** TestClock is the portal's clock: real time plus an offset a test moves. */
export interface TestClock {
  now(): Date;
  advance(ms: number): void;
}

function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** PortalOptions adjust a test portal. */
export interface PortalOptions {
  readonly pool: TestUserPool;
  /** The portal's identity; default: the environment's admin. */
  readonly kubeconfig?: string;
  /** Where the catalog ConfigMap lives; default: a fresh namespace holding the shipped catalog. */
  readonly operatorNamespace?: string;
  /** Extra or replaced configuration variables. */
  readonly env?: Readonly<Record<string, string>>;
  readonly makeProvisioner?: MakeProvisioner;
  /** The portal's logger; default: silent, or PORTAL_TEST_LOG's level. */
  readonly log?: Logger;
}

/** MemoryLog is a logger at info whose JSON lines a test reads. */
export interface MemoryLog {
  readonly log: Logger;
  readonly lines: string[];
}

/** memoryLog keeps every line the portal logs, for tests of what a log may hold. */
export function memoryLog(): MemoryLog {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done): void {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { log: pino({ level: 'info' }, stream), lines };
}

/** TestPortal is a running portal. */
export interface TestPortal {
  readonly url: string;
  readonly deps: PortalDeps;
  readonly clock: TestClock;
  close(): Promise<void>;
}

/** installCatalog makes a namespace holding the shipped catalog ConfigMap and returns its name. */
export async function installCatalog(env: TestEnvInfo): Promise<string> {
  const admin = kubeClients(env.kubeconfig);
  const namespace = `awscheck-portal-${randomBytes(3).toString('hex')}`;
  await admin.core.createNamespace({ body: { metadata: { name: namespace } } });
  await admin.core.createNamespacedConfigMap({ namespace, body: catalogConfigMap(namespace) });
  return namespace;
}

/**
 * installPortalPrerequisites installs what the portal expects of a cluster: the CRDs
 * (served, not merely applied: listing them answers) and the tenant ClusterRole that
 * provisioning binds in each tenant namespace.
 */
export async function installPortalPrerequisites(env: TestEnvInfo): Promise<void> {
  await installCrds(env.kubeconfig);
  await applyObject(env.kubeconfig, tenantRoleManifest());
  const custom = kubeClients(env.kubeconfig).config.makeApiClient(CustomObjectsApi);
  await eventually('the AwsCheck and AwsCredentialRef APIs to answer lists', async () => {
    for (const plural of ['awschecks', 'awscredentialrefs'])
      await custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
    return true;
  });
}

/** startPortal serves createApp(real deps) on a free loopback port until close(). */
export async function startPortal(env: TestEnvInfo, options: PortalOptions): Promise<TestPortal> {
  await installPortalPrerequisites(env);
  const operatorNamespace = options.operatorNamespace ?? (await installCatalog(env));
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const config = loadPortalConfig({
    PORTAL_PUBLIC_URL: url,
    PORTAL_SESSION_SECRET: randomBytes(32).toString('hex'),
    PORTAL_AUTH_RATE_LIMIT: '1000',
    AWSCHECK_NAMESPACE: operatorNamespace,
    COGNITO_REGION: options.pool.region,
    COGNITO_USER_POOL_ID: options.pool.userPoolId,
    COGNITO_CLIENT_ID: options.pool.clientId,
    COGNITO_ENDPOINT: options.pool.endpoint,
    STRIPE_SECRET_KEY: env.stripeApiKey,
    STRIPE_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    STRIPE_API_URL: env.stripeApiBase,
    KUBE_PUBLIC_SERVER: env.apiServerUrl,
    KUBE_PUBLIC_CA_FILE: env.caCert,
    PLATFORM_PRINCIPAL_ARN: TEST_PLATFORM_PRINCIPAL,
    PORTAL_CATALOG_CACHE_SECONDS: '0',
    ...options.env,
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(options.kubeconfig ?? env.kubeconfig);
  const clock = testClock();
  const deps = realDeps(config, {
    kubeConfig,
    makeProvisioner: options.makeProvisioner ?? createProvisioner,
    log: options.log ?? pino({ level: process.env.PORTAL_TEST_LOG ?? 'silent' }),
    now: () => clock.now(),
  });
  server.on('request', createApp(deps));
  return {
    url,
    deps,
    clock,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error === undefined) resolve();
          else reject(error);
        });
      });
    },
  };
}

/** csrfTokenIn finds the CSRF field of the first form in a page, or undefined. */
export function csrfTokenIn(html: string): string | undefined {
  return new RegExp(`name="${CSRF_FIELD}" value="([^"]+)"`).exec(html)?.[1];
}

/** PortalResponse is a response with its body read. */
export interface PortalResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/**
 * PortalBrowser keeps cookies like a browser and posts forms with the CSRF token of the
 * page it last loaded; redirects are not followed, so tests see them.
 */
export class PortalBrowser {
  readonly cookies = new Map<string, string>();
  lastCsrf: string | undefined;
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private keep(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<PortalResponse> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers,
      redirect: 'manual',
    });
    this.keep(response.headers);
    const body = await response.text();
    const token = csrfTokenIn(body);
    if (token !== undefined) this.lastCsrf = token;
    return { status: response.status, headers: response.headers, body };
  }

  async get(path: string): Promise<PortalResponse> {
    return this.request(path);
  }

  /** post submits a form; `_csrf` defaults to the last page's token (null: none sent). */
  async post(
    path: string,
    fields: Readonly<Record<string, string>>,
    csrf: string | null = this.lastCsrf ?? null,
  ): Promise<PortalResponse> {
    const form = new URLSearchParams(fields);
    if (csrf !== null) form.set(CSRF_FIELD, csrf);
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
  }

  /** signIn loads the sign-in form and submits it; the session cookie is kept. */
  async signIn(email: string, password: string): Promise<PortalResponse> {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}
