// The Helm chart's values, declared once as a zod schema: `npm run generate` writes the
// chart's values.yaml (the defaults, each key commented with its description),
// values.schema.json (so Helm refuses a wrong value at install, naming it) and VALUES.md
// from it. Every operator and portal knob maps to exactly one environment variable of
// operator/config.ts or portal/config.ts; the defaults are theirs.
import { z } from 'zod';
import { DEFAULT_INSTALL } from '../operator/admission.ts';
import { DEFAULT_PLATFORM_TOKEN_AUDIENCE, loadConfig } from '../operator/config.ts';
import { LEASE_FLOW_DEFAULTS } from '../operator/flow-schema.ts';

/** OPERATOR_DEFAULTS are the operator's own defaults, read from its configuration. */
const OPERATOR_DEFAULTS = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'x', AWSCHECK_NAMESPACE: 'x' });

/** DEFAULT_REPOSITORY is the image repository of the default install, without a tag. */
export const DEFAULT_REPOSITORY = DEFAULT_INSTALL.checkerImage.replace(/:[^:/]+$/, '');

const toSeconds = (ms: number): number => ms / 1000;

// A Kubernetes quantity (100m, 1, 256Mi); operator/quantity.ts parses the same forms.
const quantity = z
  .string()
  .regex(
    /^\+?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|m|k|M|G|T|P|E)?$/,
    'must be a Kubernetes quantity such as 100m, 1, 256Mi',
  );
const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
  .max(63);
const port = z.int().min(1).max(65535);
const seconds = (max: number): z.ZodInt => z.int().min(1).max(max);
const WEEK = 7 * 24 * 3600;
const stringMap = z.record(z.string(), z.string());
const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
const pullPolicy = z.enum(['Always', 'IfNotPresent', 'Never']);
const kubeObject = z.looseObject({});
const digest = z
  .union([
    z.literal(''),
    z.string().regex(/^sha256:[a-f0-9]{64}$/, 'must be sha256:<64 hex digits>'),
  ])
  .default('');
// A Prometheus duration (30s, 1m30s), the pattern prometheus-operator's CRDs check.
const duration = z
  .string()
  .regex(
    /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/,
    'must be a Prometheus duration such as 30s or 1m30s',
  );
const url = z.union([z.literal(''), z.url({ protocol: /^https?$/ })]);

/** env names the environment variable a value sets, in its description. */
const env = (variable: string, what: string): string => `${what} (${variable})`;

/** Resources of a container: the operator's and the portal's need about the same. */
const Resources = z
  .strictObject({
    requests: z
      .record(z.string(), quantity)
      .default({ cpu: '50m', memory: '128Mi' })
      .describe('Resource requests'),
    limits: z.record(z.string(), quantity).default({ memory: '256Mi' }).describe('Resource limits'),
  })
  .prefault({});

const scheduling = {
  nodeSelector: stringMap.default({}).describe('Node labels the pods must run on'),
  tolerations: z.array(kubeObject).default([]).describe('Tolerations of the pods'),
  affinity: kubeObject.default({}).describe('Affinity of the pods'),
  priorityClassName: z.string().default('').describe('PriorityClass of the pods; empty: none'),
  podAnnotations: stringMap.default({}).describe('Extra annotations on the pods'),
  podLabels: stringMap.default({}).describe('Extra labels on the pods'),
};

const Image = z
  .strictObject({
    repository: z.string().min(1).default(DEFAULT_REPOSITORY).describe('Image repository'),
    tag: z.string().default('').describe('Image tag; empty: the chart’s appVersion'),
    digest: digest.describe(
      'Image digest (sha256:…); set: the image is pinned by it, the tag unused',
    ),
    pullPolicy: pullPolicy.default('IfNotPresent').describe('Pull policy of the operator’s pods'),
  })
  .prefault({})
  .describe(
    'The one image with the operator (default command), the checker and the portal entrypoints',
  );

const LeaderElection = z
  .strictObject({
    leaseName: name
      .default(OPERATOR_DEFAULTS.lease.name)
      .describe(env('AWSCHECK_LEASE_NAME', 'Lease the replicas elect a leader with')),
    leaseDurationSeconds: seconds(3600)
      .default(toSeconds(OPERATOR_DEFAULTS.lease.durationMs))
      .describe(env('AWSCHECK_LEASE_DURATION_SECONDS', 'How long a Lease holds unrenewed')),
    renewDeadlineSeconds: seconds(3600)
      .default(toSeconds(OPERATOR_DEFAULTS.lease.renewDeadlineMs))
      .describe(env('AWSCHECK_LEASE_RENEW_DEADLINE_SECONDS', 'How long the leader tries to renew')),
    retryPeriodSeconds: seconds(3600)
      .default(toSeconds(OPERATOR_DEFAULTS.lease.retryPeriodMs))
      .describe(env('AWSCHECK_LEASE_RETRY_SECONDS', 'How often a standby tries to acquire')),
    flowSchema: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe(
            'A FlowSchema awscheck-operator-leases: the apiserver serves the operator’s Lease requests at the priority level below, as it serves its own controllers’ leader election, so renewals never queue behind the operator’s other requests',
          ),
        priorityLevel: name
          .default(LEASE_FLOW_DEFAULTS.priorityLevel)
          .describe('The PriorityLevelConfiguration the Lease requests go to'),
        matchingPrecedence: z
          .int()
          .min(1)
          .max(9999)
          .default(LEASE_FLOW_DEFAULTS.matchingPrecedence)
          .describe(
            'Lower wins; below the service-accounts FlowSchema (9000) that takes the operator’s other requests',
          ),
      })
      .prefault({})
      .describe('Priority and fairness for the operator’s Lease requests'),
  })
  .prefault({})
  .describe('Lease-based leader election: one replica reconciles, the others stand by');

const PlatformIdentity = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        env(
          'AWSCHECK_ALLOW_PLATFORM_IDENTITY',
          'Let an AwsCredentialRef with assumeRole alone start from the platform identity',
        ),
      ),
    roleArn: z
      .union([z.literal(''), z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/)])
      .default('')
      .describe(
        env(
          'AWSCHECK_PLATFORM_ROLE_ARN',
          'The platform role checker pods assume with their projected token; required when enabled',
        ),
      ),
    tokenAudience: z
      .string()
      .min(1)
      .default(DEFAULT_PLATFORM_TOKEN_AUDIENCE)
      .describe(
        env(
          'AWSCHECK_PLATFORM_TOKEN_AUDIENCE',
          'Audience of the checker pods’ projected token; never list it in --api-audiences',
        ),
      ),
  })
  .prefault({})
  .describe('The platform’s own AWS identity, for tenants who trust it instead of keeping keys');

// A count of pods or a percentage of the replicas, as a Deployment's rollingUpdate takes it.
const intOrPercent = z.union([
  z.int().min(0),
  z.string().regex(/^\d+%$/, 'must be a whole number or a percentage such as 25%'),
]);

const UpdateStrategy = z
  .strictObject({
    type: z
      .enum(['RollingUpdate', 'Recreate'])
      .default('RollingUpdate')
      .describe('RollingUpdate, or Recreate: every old replica stops before a new one starts'),
    rollingUpdate: z
      .strictObject({
        maxSurge: intOrPercent.default(1).describe('Replicas above the desired count'),
        maxUnavailable: intOrPercent
          .default(0)
          .describe('Replicas below the desired count; not 0 when maxSurge is 0'),
      })
      .prefault({})
      .describe('Used only by type RollingUpdate'),
  })
  .prefault({})
  .describe(
    'Deployment strategy: by default a new replica is ready before an old one stops (the Lease moves to a standby)',
  );

const KubeClient = z
  .strictObject({
    qps: z
      .number()
      .positive()
      .max(10_000)
      .default(OPERATOR_DEFAULTS.kubeClient.qps)
      .describe(
        env(
          'AWSCHECK_KUBE_QPS',
          'Requests per second each replica sends the apiserver on average, watches excepted',
        ),
      ),
    burst: z
      .int()
      .min(1)
      .max(10_000)
      .default(OPERATOR_DEFAULTS.kubeClient.burst)
      .describe(env('AWSCHECK_KUBE_BURST', 'Requests it may send at once above that rate')),
  })
  .prefault({})
  .describe(
    'Client-side rate limit toward the apiserver; keep each shard’s within the share the apiserver’s priority and fairness gives the ServiceAccount',
  );

// A shard's name goes into its Deployment's and Lease's names and a label value.
const shardName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label')
  .max(30);

const Shard = z.strictObject({
  name: shardName.describe(
    'The shard’s name: its Deployment is <chart>-<name>, its Lease <leaderElection.leaseName>-<name>',
  ),
  selector: z
    .string()
    .min(1)
    .describe(env('AWSCHECK_SHARD_SELECTOR', 'Label selector on the namespaces the shard serves')),
  replicas: z
    .int()
    .min(1)
    .max(10)
    .optional()
    .describe('Replicas of this shard; unset: operator.replicas'),
});

const Operator = z
  .strictObject({
    replicas: z
      .int()
      .min(1)
      .max(10)
      .default(2)
      .describe('Replicas; one leads, the others stand by'),
    logLevel: logLevel
      .default('info')
      .describe(env('AWSCHECK_LOG_LEVEL', 'Log level of the JSON logs')),
    workers: z
      .int()
      .min(1)
      .max(64)
      .default(OPERATOR_DEFAULTS.workers)
      .describe(env('AWSCHECK_WORKERS', 'Reconcile workers')),
    resyncSeconds: seconds(WEEK)
      .default(toSeconds(OPERATOR_DEFAULTS.resyncMs))
      .describe(env('AWSCHECK_RESYNC_SECONDS', 'How often every object is reconciled again')),
    revalidateSeconds: seconds(WEEK)
      .default(toSeconds(OPERATOR_DEFAULTS.revalidateMs))
      .describe(
        env('AWSCHECK_REVALIDATE_SECONDS', 'How often a Ready AwsCredentialRef is validated again'),
      ),
    httpPort: port
      .default(OPERATOR_DEFAULTS.httpPort)
      .describe(env('AWSCHECK_HTTP_PORT', 'Port of /healthz, /readyz and /metrics')),
    kubeClient: KubeClient,
    shardSelector: z
      .string()
      .default('')
      .describe(
        env(
          'AWSCHECK_SHARD_SELECTOR',
          'Label selector on the namespaces the one operator Deployment serves; empty: every namespace. Not with shards',
        ),
      ),
    shards: z
      .array(Shard)
      .default([])
      .describe(
        'Shards of one release, each {name, selector, replicas}: a Deployment <chart>-<name>, a Lease <leaseName>-<name> and a PodDisruptionBudget per shard, sharing the ServiceAccount, RBAC and fence; replicas defaults to operator.replicas. The selectors must split the namespaces, the last catching the rest (e.g. shard=a, shard=b, shard notin (a,b)). Empty: one Deployment',
      ),
    leaderElection: LeaderElection,
    platformIdentity: PlatformIdentity,
    resources: Resources.describe('Resources of the operator container'),
    topologySpreadConstraints: z
      .array(kubeObject)
      .default([
        { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway' },
        {
          maxSkew: 1,
          topologyKey: 'topology.kubernetes.io/zone',
          whenUnsatisfiable: 'ScheduleAnyway',
        },
      ])
      .describe(
        'Topology spread of the replicas; a constraint without labelSelector gets the operator’s pods’ labels',
      ),
    updateStrategy: UpdateStrategy,
    podDisruptionBudget: z
      .strictObject({
        enabled: z
          .boolean()
          .default(true)
          .describe('Create a PodDisruptionBudget (only with more than one replica)'),
        minAvailable: z.int().min(1).default(1).describe('Replicas a voluntary disruption keeps'),
      })
      .prefault({})
      .describe('PodDisruptionBudget of the operator'),
    ...scheduling,
  })
  .prefault({})
  .describe('The operator Deployment');

const Checker = z
  .strictObject({
    image: z
      .strictObject({
        repository: z
          .string()
          .default('')
          .describe('Checker image repository; empty: image.repository'),
        tag: z.string().default('').describe('Checker image tag; empty: image.tag or appVersion'),
        digest: digest.describe(
          'Checker image digest (sha256:…); empty: image.digest, unless a checker repository or tag is set',
        ),
        pullPolicy: pullPolicy
          .default(OPERATOR_DEFAULTS.imagePullPolicy)
          .describe(env('AWSCHECK_IMAGE_PULL_POLICY', 'Pull policy of checker pods')),
      })
      .prefault({})
      .describe(
        'Image checker pods run (AWSCHECK_CHECKER_IMAGE); the admission fence admits only this one',
      ),
    cpu: quantity
      .default(OPERATOR_DEFAULTS.checkerResources.cpu)
      .describe(env('AWSCHECK_CHECKER_CPU', 'CPU request of a checker pod')),
    cpuLimit: quantity
      .default(OPERATOR_DEFAULTS.checkerResources.cpuLimit)
      .describe(env('AWSCHECK_CHECKER_CPU_LIMIT', 'CPU limit of a checker pod')),
    memory: quantity
      .default(OPERATOR_DEFAULTS.checkerResources.memory)
      .describe(env('AWSCHECK_CHECKER_MEMORY', 'Memory request and limit of a checker pod')),
    jobHistory: z
      .int()
      .min(1)
      .max(20)
      .default(OPERATOR_DEFAULTS.jobHistory)
      .describe(env('AWSCHECK_JOB_HISTORY', 'Finished Jobs of each kind a CronJob keeps')),
  })
  .prefault({})
  .describe('The checker pods the operator runs (plans may set their own resources)');

const Monitoring = z
  .strictObject({
    serviceMonitor: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Create a ServiceMonitor (prometheus-operator)'),
        interval: duration.default('30s').describe('Scrape interval'),
        scrapeTimeout: duration.default('10s').describe('Scrape timeout, at most the interval'),
        labels: stringMap.default({}).describe('Extra labels, e.g. what your Prometheus selects'),
      })
      .prefault({})
      .describe('Scraping of the operator’s /metrics by prometheus-operator'),
    prometheusRule: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Create the PrometheusRule with the alerts'),
        labels: stringMap.default({}).describe('Extra labels, e.g. what your Prometheus selects'),
      })
      .prefault({})
      .describe('The alerts (files/monitoring/prometheus-rules.yaml) as a PrometheusRule'),
    grafanaDashboard: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe('Create the dashboard ConfigMap for the Grafana sidecar'),
        labels: stringMap
          .default({ grafana_dashboard: '1' })
          .describe('Labels the Grafana dashboard sidecar looks for'),
        annotations: stringMap
          .default({})
          .describe('Annotations, e.g. the sidecar’s folder annotation'),
        namespace: z
          .string()
          .default('')
          .describe('Namespace of the ConfigMap; empty: the release namespace'),
      })
      .prefault({})
      .describe('The Grafana dashboard (files/monitoring/grafana-dashboard.json) as a ConfigMap'),
  })
  .prefault({})
  .describe('Prometheus and Grafana integration; the metrics Service is always created');

const PortalSecret = z
  .strictObject({
    name: z
      .string()
      .default('')
      .describe('Name of an existing Secret in the release namespace; required when enabled'),
    sessionSecretKey: z
      .string()
      .min(1)
      .default('PORTAL_SESSION_SECRET')
      .describe('Key holding the session secret, at least 32 characters (PORTAL_SESSION_SECRET)'),
    stripeSecretKeyKey: z
      .string()
      .min(1)
      .default('STRIPE_SECRET_KEY')
      .describe('Key holding the Stripe secret key (STRIPE_SECRET_KEY)'),
    stripeWebhookSecretKey: z
      .string()
      .min(1)
      .default('STRIPE_WEBHOOK_SECRET')
      .describe('Key holding the Stripe webhook signing secret (STRIPE_WEBHOOK_SECRET)'),
  })
  .prefault({})
  .describe('The portal’s secrets, only by reference: the chart never holds them');

const Portal = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Install the billing portal'),
    replicas: z.int().min(1).max(10).default(1).describe('Portal replicas'),
    port: port.default(3000).describe(env('PORTAL_HTTP_PORT', 'Port the portal listens on')),
    publicUrl: url
      .default('')
      .describe(
        env('PORTAL_PUBLIC_URL', 'URL browsers reach the portal at; required when enabled'),
      ),
    trustProxy: z
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe(env('PORTAL_TRUST_PROXY', 'Reverse proxies in front of the portal')),
    logLevel: logLevel.default('info').describe(env('PORTAL_LOG_LEVEL', 'Log level')),
    existingSecret: PortalSecret,
    cognito: z
      .strictObject({
        region: z
          .string()
          .default('')
          .describe(env('COGNITO_REGION', 'Region of the user pool; required when enabled')),
        userPoolId: z
          .union([z.literal(''), z.string().regex(/^[\w-]+_[0-9a-zA-Z]+$/)])
          .default('')
          .describe(env('COGNITO_USER_POOL_ID', 'User pool id; required when enabled')),
        clientId: z
          .string()
          .default('')
          .describe(env('COGNITO_CLIENT_ID', 'App client id (no secret); required when enabled')),
        endpoint: url
          .default('')
          .describe(env('COGNITO_ENDPOINT', 'Cognito endpoint; empty: the region’s')),
      })
      .prefault({})
      .describe('The Cognito user pool users sign in with'),
    stripe: z
      .strictObject({
        apiUrl: url
          .default('')
          .describe(env('STRIPE_API_URL', 'Stripe API; empty: api.stripe.com')),
        webhookToleranceSeconds: z
          .int()
          .min(1)
          .max(600)
          .default(300)
          .describe(env('STRIPE_WEBHOOK_TOLERANCE_SECONDS', 'Accepted age of a webhook signature')),
      })
      .prefault({})
      .describe('Stripe (keys come from existingSecret)'),
    kubeconfig: z
      .strictObject({
        server: url
          .default('')
          .describe(
            env(
              'KUBE_PUBLIC_SERVER',
              'apiserver URL in tenants’ kubeconfigs; required when enabled',
            ),
          ),
        caConfigMap: z
          .string()
          .default('')
          .describe(
            'ConfigMap (key ca.crt) with that apiserver’s CA, mounted as KUBE_PUBLIC_CA_FILE; empty: the cluster’s own',
          ),
        tokenSeconds: z
          .int()
          .min(600)
          .max(86400)
          .default(3600)
          .describe(env('KUBECONFIG_TOKEN_SECONDS', 'Lifetime of a downloaded kubeconfig’s token')),
      })
      .prefault({})
      .describe('The kubeconfig tenants download'),
    platformPrincipalArn: z
      .union([
        z.literal(''),
        z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user|root)(\/.+)?$/),
      ])
      .default('')
      .describe(
        env(
          'PLATFORM_PRINCIPAL_ARN',
          'The principal tenants’ read-only roles trust; required when enabled',
        ),
      ),
    sessionDays: z
      .int()
      .min(1)
      .max(3650)
      .default(30)
      .describe(env('PORTAL_SESSION_DAYS', 'How long a sign-in lasts')),
    authRateLimit: z
      .int()
      .min(1)
      .max(10000)
      .default(10)
      .describe(env('PORTAL_AUTH_RATE_LIMIT', 'Auth form attempts per client address and window')),
    authRateWindowSeconds: seconds(86400)
      .default(900)
      .describe(env('PORTAL_AUTH_RATE_WINDOW_SECONDS', 'The window of authRateLimit')),
    cspFormAction: z
      .string()
      .default('https://checkout.stripe.com https://billing.stripe.com')
      .describe(env('PORTAL_CSP_FORM_ACTION', 'Origins forms may redirect to, space-separated')),
    kubeTimeoutSeconds: seconds(120)
      .default(10)
      .describe(env('PORTAL_KUBE_TIMEOUT_SECONDS', 'Deadline of every apiserver call')),
    resyncSeconds: z
      .int()
      .min(10)
      .max(WEEK)
      .default(300)
      .describe(env('PORTAL_RESYNC_SECONDS', 'How often every tenant is converged again')),
    catalogCacheSeconds: z
      .int()
      .min(0)
      .max(600)
      .default(10)
      .describe(env('PORTAL_CATALOG_CACHE_SECONDS', 'How long the plan catalog is reused')),
    service: z
      .strictObject({
        type: z
          .enum(['ClusterIP', 'NodePort', 'LoadBalancer'])
          .default('ClusterIP')
          .describe('Service type'),
        port: port.default(80).describe('Service port'),
      })
      .prefault({})
      .describe('The portal’s Service'),
    ingress: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Create an Ingress'),
        className: z.string().default('').describe('IngressClass; empty: the cluster default'),
        host: z.string().default('').describe('Host name; required when enabled'),
        annotations: stringMap.default({}).describe('Annotations, e.g. for cert-manager'),
        tlsSecretName: z
          .string()
          .default('')
          .describe('Secret with the host’s TLS certificate; empty: no TLS section'),
      })
      .prefault({})
      .describe('The portal’s Ingress'),
    resources: Resources.describe('Resources of the portal container'),
    ...scheduling,
  })
  .prefault({})
  .describe(
    'The billing portal (Stripe + Cognito): Deployment, Service, Ingress, its RBAC and admission fence',
  );

/** Values is the chart's values.yaml, every key described. */
export const Values = z
  .strictObject({
    image: Image,
    imagePullSecrets: z
      .array(z.strictObject({ name: z.string().min(1).describe('Secret name') }))
      .default([])
      .describe(
        'Pull secrets of the operator’s and portal’s pods only: checker pods run in tenants’ namespaces, where the nodes must pull the checker image without a secret (a public image or node credentials)',
      ),
    serviceAccount: z
      .strictObject({
        name: name.default('awscheck-operator').describe('ServiceAccount the operator runs as'),
        annotations: stringMap.default({}).describe('Annotations on it'),
      })
      .prefault({})
      .describe('The operator’s ServiceAccount (always created; bound to the generated RBAC)'),
    operator: Operator,
    checker: Checker,
    metricsService: z
      .strictObject({
        port: port.default(8080).describe('Port of the metrics Service'),
      })
      .prefault({})
      .describe('The Service in front of the operator’s /metrics'),
    monitoring: Monitoring,
    plans: z
      .strictObject({
        create: z
          .boolean()
          .default(true)
          .describe(
            'Create the plan catalog ConfigMap awscheck-plans; false: you manage it (e.g. in GitOps)',
          ),
      })
      .prefault({})
      .describe('The plan catalog the operator enforces and the portal sells'),
    portal: Portal,
    global: kubeObject.optional().describe('Values shared with parent charts (unused)'),
  })
  .describe('Values of the awscheck-operator chart');

export type ChartValues = z.output<typeof Values>;

/** defaultValues are the chart's defaults, as values.yaml holds them. */
export function defaultValues(): ChartValues {
  return Values.parse({});
}
