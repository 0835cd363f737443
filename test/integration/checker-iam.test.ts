// Real IAM enforcement: a second moto started with INITIAL_NO_AUTH_ACTION_COUNT=0 checks
// every request's signature and the caller's policies, so AuthenticationFailed and
// PermissionDenied come from the emulator's own authorisation, not from a fake.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinaries } from '../env/binaries.ts';
import { startMoto, type Moto } from '../env/moto.ts';
import { stopProcessGroup, type ServerContext } from '../env/processes.ts';
import { awsEnvironment, runCheckerCli } from '../support/checker-cli.ts';

let moto: Moto;
let context: ServerContext;
let reader: { accessKeyId: string; secretAccessKey: string };

// setAuthFreeRequests tells moto how many requests to let through before enforcing.
async function setAuthFreeRequests(count: string): Promise<void> {
  const response = await fetch(`${moto.url}/moto-api/reset-auth`, { method: 'POST', body: count });
  if (!response.ok) throw new Error(`moto reset-auth answered ${response.status}`);
}

beforeAll(async () => {
  const { motoPython } = await ensureBinaries(() => undefined);
  context = {
    runDir: await mkdtemp(join(tmpdir(), 'checker-iam-')),
    tiedToParent: true,
    started: [],
  };
  moto = await startMoto(motoPython, context, { INITIAL_NO_AUTH_ACTION_COUNT: '0' }, 'moto-iam');
  // Seed the user while enforcement is paused, then enforce from the next request on.
  await setAuthFreeRequests('inf');
  const iam = new IAMClient({
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'seed', secretAccessKey: 'seed' },
  });
  await iam.send(new CreateUserCommand({ UserName: 'reader' }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: 'reader',
      PolicyName: 'list-instances-only',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['sts:GetCallerIdentity', 'ec2:DescribeInstanceStatus'],
            Resource: '*',
          },
        ],
      }),
    }),
  );
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: 'reader' }));
  reader = {
    accessKeyId: key.AccessKey?.AccessKeyId ?? '',
    secretAccessKey: key.AccessKey?.SecretAccessKey ?? '',
  };
  await setAuthFreeRequests('0');
});

afterAll(async () => {
  await Promise.all(context.started.map((server) => stopProcessGroup(server.pid)));
  await rm(context.runDir, { recursive: true, force: true });
});

const run = (service: string, type: string): string[] => [
  'run',
  '--service',
  service,
  '--type',
  type,
  '--region',
  'us-east-1',
];

describe('AuthenticationFailed (exit 3)', () => {
  it('for keys moto never issued: InvalidClientTokenId from STS, AuthFailure from EC2', async () => {
    const stranger = awsEnvironment(moto.url, {
      accessKeyId: 'AKIAUNKNOWN000000000',
      secretAccessKey: 'x',
    });
    const [sts, ec2] = await Promise.all([
      runCheckerCli(['validate'], stranger),
      runCheckerCli(run('ec2', 'resource_list'), stranger),
    ]);

    expect(sts.code).toBe(3);
    expect(sts.result).toMatchObject({
      kind: 'validate',
      reason: 'AuthenticationFailed',
      error: { code: 'InvalidClientTokenId', operation: 'sts:GetCallerIdentity', httpStatus: 403 },
    });
    expect(ec2.code).toBe(3);
    expect(ec2.result.error).toMatchObject({
      code: 'AuthFailure',
      operation: 'ec2:DescribeInstanceStatus',
    });
  });

  it('for a real key with the wrong secret: SignatureDoesNotMatch', async () => {
    const forged = awsEnvironment(moto.url, { ...reader, secretAccessKey: 'not-the-secret' });

    const result = await runCheckerCli(['validate'], forged);

    expect(result.code).toBe(3);
    expect(result.result.error).toMatchObject({ code: 'SignatureDoesNotMatch' });
  });
});

describe('PermissionDenied (exit 4) and what the policy allows', () => {
  it('lets the reader validate and list instances', async () => {
    const keys = awsEnvironment(moto.url, reader);
    const [validate, list] = await Promise.all([
      runCheckerCli(['validate'], keys),
      runCheckerCli(run('ec2', 'resource_list'), keys),
    ]);

    expect(validate.code).toBe(0);
    expect(validate.result).toMatchObject({
      identity: { arn: 'arn:aws:iam::123456789012:user/reader' },
    });
    expect(list.code).toBe(0);
    expect(list.result).toMatchObject({ outcome: 'Succeeded', resources: 0 });
  });

  it('denies services outside the policy: a failure, never an empty success', async () => {
    const keys = awsEnvironment(moto.url, reader);
    const [tables, pools] = await Promise.all([
      runCheckerCli(run('dynamodb', 'resource_list'), keys),
      runCheckerCli(run('cognito-idp', 'resource_list'), keys),
    ]);

    // moto answers these JSON services' denials in XML (real AWS answers JSON): the SDK
    // cannot parse them, and the HTTP status 403 still classifies them.
    expect(tables.code).toBe(4);
    expect(tables.result).toMatchObject({
      outcome: 'Failed',
      reason: 'PermissionDenied',
      error: {
        code: 'UnparseableAnswer',
        operation: 'dynamodb:ListTables',
        region: 'us-east-1',
        httpStatus: 403,
      },
    });
    expect(pools.code).toBe(4);
    expect(pools.result.error).toMatchObject({ operation: 'cognito-idp:ListUserPools' });
  });

  it('denies AssumeRole to a user without sts:AssumeRole', async () => {
    const result = await runCheckerCli(
      [
        'validate',
        '--role-arn',
        'arn:aws:iam::123456789012:role/Other',
        '--external-id',
        'tenant-1',
      ],
      awsEnvironment(moto.url, reader),
    );

    expect(result.code).toBe(4);
    expect(result.result.error).toMatchObject({
      code: 'AccessDenied',
      operation: 'sts:AssumeRole',
    });
  });
});
