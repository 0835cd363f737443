// Smoke tests that prove the AWS emulator and the Stripe mock answer the real SDKs.
import { DescribeInstancesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import Stripe from 'stripe';
import { describe, expect, inject, it } from 'vitest';

const env = inject('testenv');
const aws = {
  endpoint: env.awsEndpointUrl,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
};

describe('moto', () => {
  it('answers STS GetCallerIdentity with its default account', async () => {
    const sts = new STSClient({ ...aws, region: 'us-east-1' });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe('123456789012');
    expect(identity.Arn).toMatch(/^arn:aws:sts::123456789012:/);
  });

  it('lists the EC2 instances created through the SDK, per region', async () => {
    const east = new EC2Client({ ...aws, region: 'us-east-1' });
    const west = new EC2Client({ ...aws, region: 'eu-west-1' });
    await east.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 3, MaxCount: 3 }));
    await west.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1 }));

    const count = async (client: EC2Client): Promise<number> => {
      const page = await client.send(new DescribeInstancesCommand({}));
      return (page.Reservations ?? []).flatMap((r) => r.Instances ?? []).length;
    };

    expect(await count(east)).toBe(3);
    expect(await count(west)).toBe(1);
  });
});

describe('stripe-mock', () => {
  it('creates a customer through the stripe SDK', async () => {
    const base = new URL(env.stripeApiBase);
    const stripe = new Stripe(env.stripeApiKey, {
      host: base.hostname,
      port: Number(base.port),
      protocol: 'http',
      maxNetworkRetries: 0,
    });

    const customer = await stripe.customers.create({ email: 'tenant@example.com', name: 'Tenant' });

    expect(customer.object).toBe('customer');
    expect(customer.id).toMatch(/^cus_/);
  });
});
