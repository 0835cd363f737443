// The portal's configuration: one source (the environment), parsed once with zod at
// start-up. A bad value stops the portal with a message naming the variable. Secrets
// (Stripe keys, the session secret) are read here and handed on; they are never logged.
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const url = z.url({ protocol: /^https?$/ });

const PortalConfigSchema = z.object({
  PORTAL_HTTP_HOST: z.string().default('0.0.0.0').describe('Address the portal listens on'),
  PORTAL_HTTP_PORT: port.default(3000).describe('Port the portal listens on'),
  PORTAL_PUBLIC_URL: url.describe(
    'URL browsers reach the portal at; https makes cookies Secure; Stripe returns here',
  ),
  PORTAL_SESSION_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters')
    .describe('Secret that signs session and CSRF cookies'),
  PORTAL_TRUST_PROXY: z.coerce
    .number()
    .int()
    .min(0)
    .max(10)
    .default(0)
    .describe('Reverse proxies in front of the portal (for client addresses in rate limits)'),
  AWSCHECK_NAMESPACE: z
    .string()
    .min(1)
    .default('awscheck-system')
    .describe('Namespace of the operator, where the plan catalog ConfigMap lives'),
  COGNITO_REGION: z.string().min(1).describe('Region of the Cognito user pool'),
  COGNITO_USER_POOL_ID: z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/, 'must be a user pool id'),
  COGNITO_CLIENT_ID: z.string().min(1).describe('App client id (no secret) of the user pool'),
  COGNITO_ENDPOINT: url.optional().describe('Cognito endpoint; unset: the region’s AWS endpoint'),
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_\w+$/, 'must be a Stripe secret key'),
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_\w+$/, 'must be a webhook signing secret'),
  STRIPE_API_URL: url.optional().describe('Stripe API base URL; unset: api.stripe.com'),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(600).default(300),
  KUBE_PUBLIC_SERVER: url.describe('apiserver URL written into tenants’ kubeconfigs'),
  KUBE_PUBLIC_CA_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('CA bundle of that apiserver for the kubeconfig; unset: the portal’s own'),
  KUBECONFIG_TOKEN_SECONDS: z.coerce.number().int().min(600).max(86400).default(3600),
  PLATFORM_PRINCIPAL_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user|root)(\/.+)?$/, 'must be an IAM principal ARN')
    .describe(
      'The principal tenants’ read-only roles trust (shown on "connect an AWS account" and in its CloudFormation template). It must be the operator’s AWSCHECK_PLATFORM_ROLE_ARN, and the operator must run with AWSCHECK_ALLOW_PLATFORM_IDENTITY=true: only then can an AwsCredentialRef with assumeRole alone start from it. Otherwise tenants use the page’s alternative (an access-key Secret + secretRef + assumeRole, the role trusting the key’s user instead)',
    ),
  PORTAL_AUTH_RATE_LIMIT: z.coerce
    .number()
    .int()
    .min(1)
    .max(10000)
    .default(10)
    .describe(
      'Attempts at the sign-in, sign-up, confirm, new-code and password reset forms (together) one client address may make per window',
    ),
  PORTAL_AUTH_RATE_WINDOW_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(86400)
    .default(900)
    .describe('The window of PORTAL_AUTH_RATE_LIMIT'),
  PORTAL_SESSION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(3650)
    .default(30)
    .describe(
      'How long a sign-in lasts: the refresh token cookie’s lifetime. At most the user pool app client’s refresh token validity (Cognito’s default: 30 days)',
    ),
  PORTAL_CSP_FORM_ACTION: z
    .string()
    .default('https://checkout.stripe.com https://billing.stripe.com')
    .transform((text) => text.split(/\s+/).filter((origin) => origin !== ''))
    .pipe(z.array(z.url({ protocol: /^https?$/ })))
    .describe(
      'Origins, space-separated, forms may redirect to besides the portal (Stripe Checkout and customer portal)',
    ),
  PORTAL_KUBE_TIMEOUT_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(120)
    .default(10)
    .describe(
      'Deadline of every apiserver call the portal makes (a stalled call fails, not hangs)',
    ),
  PORTAL_RESYNC_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(300)
    .describe(
      'How often every tenant namespace is converged again: unfinished provisioning, quotas after a plan change',
    ),
  PORTAL_CATALOG_CACHE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600)
    .default(10)
    .describe('How long the plan catalog read from its ConfigMap is reused'),
  PORTAL_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

/** PortalConfig is every knob of the portal, typed. */
export interface PortalConfig {
  readonly http: { readonly host: string; readonly port: number; readonly trustProxy: number };
  /** Origin (and path prefix) browsers reach the portal at, without a trailing slash. */
  readonly publicUrl: string;
  /** Cookies are Secure when the portal is served over TLS. */
  readonly secureCookies: boolean;
  readonly sessionSecret: string;
  /** The operator's namespace: the plan catalog ConfigMap lives there. */
  readonly operatorNamespace: string;
  readonly cognito: {
    readonly region: string;
    readonly userPoolId: string;
    readonly clientId: string;
    readonly endpoint: string | undefined;
  };
  readonly stripe: {
    readonly secretKey: string;
    readonly webhookSecret: string;
    readonly apiUrl: string | undefined;
    readonly toleranceSeconds: number;
  };
  readonly kubeconfig: {
    readonly server: string;
    readonly caFile: string | undefined;
    readonly tokenSeconds: number;
  };
  readonly platformPrincipalArn: string;
  /** How long the refresh token cookie lives, in milliseconds. */
  readonly sessionMaxAgeMs: number;
  /** Attempts per client address and window on the auth forms, together. */
  readonly authRateLimit: { readonly limit: number; readonly windowMs: number };
  /** Origins a form may redirect to besides the portal's own (CSP form-action). */
  readonly formActionOrigins: readonly string[];
  /** How long the catalog read from its ConfigMap is reused, in milliseconds. */
  readonly catalogCacheMs: number;
  /** The deadline of every apiserver call. */
  readonly kubeTimeoutMs: number;
  /** How often every tenant is converged again (provisioning/provisioner.ts resync). */
  readonly resyncMs: number;
  readonly logLevel: string;
}

/** loadPortalConfig parses the environment or throws an error listing every bad variable. */
export function loadPortalConfig(env: NodeJS.ProcessEnv = process.env): PortalConfig {
  const parsed = PortalConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid portal configuration:\n${z.prettifyError(parsed.error)}`);
  }
  const c = parsed.data;
  const publicUrl = c.PORTAL_PUBLIC_URL.replace(/\/+$/, '');
  return {
    http: { host: c.PORTAL_HTTP_HOST, port: c.PORTAL_HTTP_PORT, trustProxy: c.PORTAL_TRUST_PROXY },
    publicUrl,
    secureCookies: publicUrl.startsWith('https:'),
    sessionSecret: c.PORTAL_SESSION_SECRET,
    operatorNamespace: c.AWSCHECK_NAMESPACE,
    cognito: {
      region: c.COGNITO_REGION,
      userPoolId: c.COGNITO_USER_POOL_ID,
      clientId: c.COGNITO_CLIENT_ID,
      endpoint: c.COGNITO_ENDPOINT,
    },
    stripe: {
      secretKey: c.STRIPE_SECRET_KEY,
      webhookSecret: c.STRIPE_WEBHOOK_SECRET,
      apiUrl: c.STRIPE_API_URL,
      toleranceSeconds: c.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
    },
    kubeconfig: {
      server: c.KUBE_PUBLIC_SERVER,
      caFile: c.KUBE_PUBLIC_CA_FILE,
      tokenSeconds: c.KUBECONFIG_TOKEN_SECONDS,
    },
    platformPrincipalArn: c.PLATFORM_PRINCIPAL_ARN,
    sessionMaxAgeMs: c.PORTAL_SESSION_DAYS * 24 * 3600 * 1000,
    authRateLimit: {
      limit: c.PORTAL_AUTH_RATE_LIMIT,
      windowMs: c.PORTAL_AUTH_RATE_WINDOW_SECONDS * 1000,
    },
    formActionOrigins: c.PORTAL_CSP_FORM_ACTION.map((origin) => new URL(origin).origin),
    catalogCacheMs: c.PORTAL_CATALOG_CACHE_SECONDS * 1000,
    resyncMs: c.PORTAL_RESYNC_SECONDS * 1000,
    kubeTimeoutMs: c.PORTAL_KUBE_TIMEOUT_SECONDS * 1000,
    logLevel: c.PORTAL_LOG_LEVEL,
  };
}
