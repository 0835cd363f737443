// The registry: one module per name in SERVICE_NAMES, no more, no fewer (the type says so).
import type { ServiceModule } from './service.ts';
import type { ServiceName } from './service-names.ts';
import { apigateway } from './services/apigateway.ts';
import { athena } from './services/athena.ts';
import { cloudfront } from './services/cloudfront.ts';
import { cognitoIdp } from './services/cognito-idp.ts';
import { dynamodb } from './services/dynamodb.ts';
import { ec2 } from './services/ec2.ts';
import { ecs } from './services/ecs.ts';
import { efs } from './services/efs.ts';
import { eks } from './services/eks.ts';
import { elasticache } from './services/elasticache.ts';
import { fsx } from './services/fsx.ts';
import { iam } from './services/iam.ts';
import { kinesis } from './services/kinesis.ts';
import { lambda } from './services/lambda.ts';
import { lightsail } from './services/lightsail.ts';
import { rds } from './services/rds.ts';
import { redshift } from './services/redshift.ts';
import { s3 } from './services/s3.ts';
import { secretsmanager } from './services/secretsmanager.ts';
import { sts } from './services/sts.ts';
import { vpc } from './services/vpc.ts';

/** SERVICES maps every service name to its module. */
export const SERVICES = {
  sts,
  ec2,
  eks,
  dynamodb,
  'cognito-idp': cognitoIdp,
  s3,
  lambda,
  ecs,
  rds,
  efs,
  fsx,
  elasticache,
  vpc,
  cloudfront,
  apigateway,
  iam,
  secretsmanager,
  athena,
  redshift,
  kinesis,
  lightsail,
} as const satisfies Record<ServiceName, ServiceModule>;
