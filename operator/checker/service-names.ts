// The one list of AWS services and check types. The checker's registry implements exactly
// these (its type says so), and the CRD's enums are generated from them.

/** SERVICE_NAMES are the values of AwsCheck.spec.service. */
export const SERVICE_NAMES = [
  'sts',
  'ec2',
  'eks',
  'dynamodb',
  'cognito-idp',
  's3',
  'lambda',
  'ecs',
  'rds',
  'efs',
  'fsx',
  'elasticache',
  'vpc',
  'cloudfront',
  'apigateway',
  'iam',
  'secretsmanager',
  'athena',
  'redshift',
  'kinesis',
  'lightsail',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** CHECK_TYPES are the values of AwsCheck.spec.type. */
export const CHECK_TYPES = ['health_check', 'resource_list'] as const;
export type CheckType = (typeof CHECK_TYPES)[number];
