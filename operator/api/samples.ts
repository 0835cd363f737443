// Sample objects for crds/samples/: one credential ref per source, one check per service and type.
// Each is parsed with its schema when generated, so a sample can never be invalid.
import { SERVICE_NAMES, type ServiceName } from '../checker/service-names.ts';
import { CHECK_TYPES, type CheckType } from './v1alpha1/awscheck.ts';
import { API_VERSION } from './v1alpha1/common.ts';

/** Sample is one object written to crds/samples/<file>. */
export interface Sample {
  readonly file: string;
  readonly object: Readonly<Record<string, unknown>>;
}

/** SAMPLE_CREDENTIAL_REF is the credential ref every sample AwsCheck names. */
export const SAMPLE_CREDENTIAL_REF = 'prod-readonly';

const ROLE_ARN = 'arn:aws:iam::123456789012:role/AwsCheckReadOnly';

function credentialRef(name: string, spec: Record<string, unknown>): Sample {
  return {
    file: `awscredentialref-${name}.yaml`,
    object: { apiVersion: API_VERSION, kind: 'AwsCredentialRef', metadata: { name }, spec },
  };
}

/** credentialRefSamples covers each credential source: keys, a role alone, keys then a role. */
export function credentialRefSamples(): Sample[] {
  return [
    credentialRef('keys-only', { region: 'eu-west-1', secretRef: { name: 'aws-readonly-keys' } }),
    credentialRef('platform-role', {
      assumeRole: { roleArn: ROLE_ARN, sessionName: 'awscheck', durationSeconds: 900 },
    }),
    credentialRef(SAMPLE_CREDENTIAL_REF, {
      region: 'us-east-1',
      secretRef: { name: 'aws-readonly-keys' },
      assumeRole: { roleArn: ROLE_ARN },
    }),
  ];
}

/** GLOBAL_SERVICES have no regions; their samples name none. */
const GLOBAL_SERVICES: readonly ServiceName[] = ['iam', 'cloudfront'];

function checkSpec(service: ServiceName, type: CheckType): Record<string, unknown> {
  const common = { credentialRef: { name: SAMPLE_CREDENTIAL_REF }, service, type };
  const regions = GLOBAL_SERVICES.includes(service) ? {} : { regions: ['us-east-1', 'eu-west-1'] };
  if (type === 'HealthCheck') {
    return { ...common, ...regions, schedule: '@hourly', timeoutSeconds: 300 };
  }
  return {
    ...common,
    ...regions,
    schedule: '30 6 * * MON-FRI',
    timeZone: 'Europe/Berlin',
    tags: { env: 'prod' },
    expect: { min: 1, max: 200 },
  };
}

/** checkSamples has one AwsCheck per service and check type. */
export function checkSamples(): Sample[] {
  return SERVICE_NAMES.flatMap((service) =>
    CHECK_TYPES.map((type) => {
      const name = `${service}-${kebab(type)}`;
      return {
        file: `awscheck-${name}.yaml`,
        object: {
          apiVersion: API_VERSION,
          kind: 'AwsCheck',
          metadata: { name },
          spec: checkSpec(service, type),
        },
      };
    }),
  );
}

// kebab turns a CamelCase type into the part of a name: HealthCheck → health-check.
function kebab(type: CheckType): string {
  return type.replace(/(?<=[a-z])(?=[A-Z])/g, '-').toLowerCase();
}
