// The registry: one loader per name in SERVICE_NAMES, no more, no fewer (the type says so).
// Modules load on demand, so a run imports the SDK client of its own service only: a
// cold start pays for one client, not twenty-one.
import type { ServiceModule } from './service.ts';
import { SERVICE_NAMES, type ServiceName } from './service-names.ts';

/** SERVICE_LOADERS maps every service name to the import of its module. */
export const SERVICE_LOADERS = {
  sts: async () => (await import('./services/sts.ts')).sts,
  ec2: async () => (await import('./services/ec2.ts')).ec2,
  eks: async () => (await import('./services/eks.ts')).eks,
  dynamodb: async () => (await import('./services/dynamodb.ts')).dynamodb,
  'cognito-idp': async () => (await import('./services/cognito-idp.ts')).cognitoIdp,
  s3: async () => (await import('./services/s3.ts')).s3,
  lambda: async () => (await import('./services/lambda.ts')).lambda,
  ecs: async () => (await import('./services/ecs.ts')).ecs,
  rds: async () => (await import('./services/rds.ts')).rds,
  efs: async () => (await import('./services/efs.ts')).efs,
  fsx: async () => (await import('./services/fsx.ts')).fsx,
  elasticache: async () => (await import('./services/elasticache.ts')).elasticache,
  vpc: async () => (await import('./services/vpc.ts')).vpc,
  cloudfront: async () => (await import('./services/cloudfront.ts')).cloudfront,
  apigateway: async () => (await import('./services/apigateway.ts')).apigateway,
  iam: async () => (await import('./services/iam.ts')).iam,
  secretsmanager: async () => (await import('./services/secretsmanager.ts')).secretsmanager,
  athena: async () => (await import('./services/athena.ts')).athena,
  redshift: async () => (await import('./services/redshift.ts')).redshift,
  kinesis: async () => (await import('./services/kinesis.ts')).kinesis,
  lightsail: async () => (await import('./services/lightsail.ts')).lightsail,
} as const satisfies Record<ServiceName, () => Promise<ServiceModule>>;

/** loadService imports one service's module. */
export function loadService(name: ServiceName): Promise<ServiceModule> {
  return SERVICE_LOADERS[name]();
}

/** loadAllServices imports every module, for --help and the registry's own tests. */
export async function loadAllServices(): Promise<Record<ServiceName, ServiceModule>> {
  const modules = await Promise.all(SERVICE_NAMES.map((name) => loadService(name)));
  return Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, modules[i]])) as Record<
    ServiceName,
    ServiceModule
  >;
}
