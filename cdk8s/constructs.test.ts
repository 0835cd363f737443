import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { checkSamples, credentialRefSamples } from '../operator/api/samples.ts';
import { AwsCheck as AwsCheckSchema } from '../operator/api/v1alpha1/awscheck.ts';
import { AwsCredentialRef as AwsCredentialRefSchema } from '../operator/api/v1alpha1/awscredentialref.ts';
import { parseWith } from '../operator/api/v1alpha1/parse.ts';
import {
  AwsAccountChecks,
  AwsCheck,
  AwsCheckSpecService,
  AwsCheckSpecType,
  AwsCredentialRef,
  type AwsCheckSpec,
  type AwsCredentialRefSpec,
} from './index.ts';

const NAMESPACE = 'team-a';

function tenantChart(): Chart {
  return new Chart(new App(), 'tenant', { namespace: NAMESPACE });
}

type Json = Record<string, unknown>;

function accepted(object: unknown): Json {
  const kind = (object as Json).kind;
  const parsed =
    kind === 'AwsCheck'
      ? parseWith(AwsCheckSchema, object)
      : parseWith(AwsCredentialRefSchema, object);
  if (!parsed.ok) throw new Error(`${String(kind)} is refused by its schema:\n${parsed.message}`);
  return object as Json;
}

describe('the imported constructs', () => {
  it.each([...credentialRefSamples(), ...checkSamples()])(
    'write $file as it is, and our schemas accept it',
    (sample) => {
      const chart = tenantChart();
      const metadata = { name: 'sample' };
      if (sample.object.kind === 'AwsCheck') {
        new AwsCheck(chart, 'check', { metadata, spec: sample.object.spec as AwsCheckSpec });
      } else {
        new AwsCredentialRef(chart, 'ref', {
          metadata,
          spec: sample.object.spec as AwsCredentialRefSpec,
        });
      }

      const [object] = chart.toJson() as Json[];

      expect(accepted(object)).toEqual({
        ...sample.object,
        metadata: { name: 'sample', namespace: NAMESPACE },
      });
    },
  );

  it('name every service and type of the CRD as constants', () => {
    expect(AwsCheckSpecService.COGNITO_HYPHEN_IDP).toBe('cognito-idp');
    expect(Object.values(AwsCheckSpecType)).toEqual(['HealthCheck', 'ResourceList']);
  });
});

describe('AwsAccountChecks', () => {
  it('declares a credential ref and checks that name it, all accepted by our schemas', () => {
    const chart = tenantChart();
    const account = new AwsAccountChecks(chart, 'prod', {
      name: 'prod',
      labels: { team: 'payments' },
      credentials: {
        region: 'eu-west-1',
        secretRef: { name: 'prod-keys' },
        assumeRole: { roleArn: 'arn:aws:iam::123456789012:role/AwsCheckReadOnly' },
      },
      checks: {
        ec2: { service: AwsCheckSpecService.EC2, type: AwsCheckSpecType.HEALTH_CHECK },
        buckets: {
          service: 's3',
          type: 'ResourceList',
          schedule: '@weekly',
          expect: { min: 1, max: 50 },
        },
      },
    });

    const objects = (chart.toJson() as Json[]).map(accepted);

    expect(objects.map((o) => `${String(o.kind)}/${String((o.metadata as Json).name)}`)).toEqual([
      'AwsCredentialRef/prod',
      'AwsCheck/prod-ec2',
      'AwsCheck/prod-buckets',
    ]);
    expect(objects[2]).toEqual({
      apiVersion: 'awscheck.io/v1alpha1',
      kind: 'AwsCheck',
      metadata: { name: 'prod-buckets', namespace: NAMESPACE, labels: { team: 'payments' } },
      spec: {
        credentialRef: { name: 'prod' },
        service: 's3',
        type: 'ResourceList',
        schedule: '@weekly',
        expect: { min: 1, max: 50 },
      },
    });
    expect([...account.checks.keys()]).toEqual(['ec2', 'buckets']);
  });

  it('puts every object in the namespace it is given', () => {
    const chart = tenantChart();
    new AwsAccountChecks(chart, 'dev', {
      name: 'dev',
      namespace: 'team-b',
      credentials: { secretRef: { name: 'dev-keys' } },
      checks: { sts: { service: 'sts', type: 'HealthCheck' } },
    });

    const namespaces = (chart.toJson() as Json[]).map((o) => (o.metadata as Json).namespace);

    expect(namespaces).toEqual(['team-b', 'team-b']);
  });
});
