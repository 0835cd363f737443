// The registry: one module per name in SERVICE_NAMES, no more, no fewer (the type says so).
import { invalidConfiguration } from './errors.ts';
import type { ServiceModule } from './service.ts';
import type { ServiceName } from './service-names.ts';
import { cognitoIdp } from './services/cognito-idp.ts';
import { dynamodb } from './services/dynamodb.ts';
import { ec2 } from './services/ec2.ts';
import { eks } from './services/eks.ts';
import { sts } from './services/sts.ts';

// notBuiltYet stands for a service the checker does not implement yet: it refuses to
// run, loudly, instead of reporting an empty estate.
function notBuiltYet(name: ServiceName): ServiceModule {
  const refuse = (): AsyncIterable<never> => {
    throw invalidConfiguration(
      'ServiceNotImplemented',
      `this checker build does not implement ${name} yet; implemented: ${IMPLEMENTED.join(', ')}`,
    );
  };
  return {
    name,
    scope: 'regional',
    taggable: true,
    iamActions: { health_check: [], resource_list: [] },
    healthCheck: refuse,
    resourceList: refuse,
  };
}

const IMPLEMENTED: readonly ServiceName[] = ['sts', 'ec2', 'eks', 'dynamodb', 'cognito-idp'];

/** SERVICES maps every service name to its module. */
export const SERVICES = {
  sts,
  ec2,
  eks,
  dynamodb,
  'cognito-idp': cognitoIdp,
  s3: notBuiltYet('s3'),
  lambda: notBuiltYet('lambda'),
  ecs: notBuiltYet('ecs'),
  rds: notBuiltYet('rds'),
  efs: notBuiltYet('efs'),
  fsx: notBuiltYet('fsx'),
  elasticache: notBuiltYet('elasticache'),
  vpc: notBuiltYet('vpc'),
  cloudfront: notBuiltYet('cloudfront'),
  apigateway: notBuiltYet('apigateway'),
  iam: notBuiltYet('iam'),
  secretsmanager: notBuiltYet('secretsmanager'),
  athena: notBuiltYet('athena'),
  redshift: notBuiltYet('redshift'),
  kinesis: notBuiltYet('kinesis'),
  lightsail: notBuiltYet('lightsail'),
} as const satisfies Record<ServiceName, ServiceModule>;
