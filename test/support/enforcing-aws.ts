// An AWS that judges role trust as AWS does, for the ExternalId tests: a moto of its own
// that enforces IAM (INITIAL_NO_AUTH_ACTION_COUNT=0) behind the trust gate
// (test/env/trust-gate.ts), which stands in for STS's trust-policy check where moto 5.2.5
// falls short. An admin user seeds users and roles through moto's IAM API.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { ensureBinaries } from '../env/binaries.ts';
import { startMoto, type Moto } from '../env/moto.ts';
import { stopProcessGroup, type ServerContext } from '../env/processes.ts';
import { startTrustGate, type AwsKeys, type TrustGate } from '../env/trust-gate.ts';

/** ACCOUNT is moto's default account. */
export const ACCOUNT = '123456789012';

/** IamUser is a seeded user: its ARN and one access key. */
export interface IamUser {
  readonly arn: string;
  readonly keys: AwsKeys;
}

/** EnforcingAws is a running IAM-enforcing moto behind the trust gate. */
export interface EnforcingAws {
  /** moto itself: enforces signatures and caller policies, not trust conditions fully. */
  readonly moto: Moto;
  /** The gate in front of moto: point clients here. */
  readonly gate: TrustGate;
  /** createUser makes a user whose inline policy allows `actions` on every resource. */
  createUser(name: string, actions: readonly string[]): Promise<IamUser>;
  /** createRole makes a role with this trust policy and returns its ARN. */
  createRole(name: string, trustPolicy: object): Promise<string>;
  stop(): Promise<void>;
}

async function setAuthFreeRequests(url: string, count: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset-auth`, { method: 'POST', body: count });
  if (!response.ok) throw new Error(`moto reset-auth answered ${response.status}`);
}

async function createUserIn(
  iam: IAMClient,
  name: string,
  actions: readonly string[],
): Promise<IamUser> {
  const user = await iam.send(new CreateUserCommand({ UserName: name }));
  await iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: `${name}-policy`,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }],
      }),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey;
  if (user.User?.Arn === undefined || !key?.AccessKeyId || !key.SecretAccessKey) {
    throw new Error(`moto's IAM did not answer CreateUser/CreateAccessKey for ${name} in full`);
  }
  return {
    arn: user.User.Arn,
    keys: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey },
  };
}

function iamClient(endpoint: string, keys: AwsKeys): IAMClient {
  return new IAMClient({ endpoint, region: 'us-east-1', credentials: keys });
}

/** startEnforcingAws starts moto (IAM enforced) and the gate, and seeds an admin user. */
export async function startEnforcingAws(name: string): Promise<EnforcingAws> {
  const { motoPython } = await ensureBinaries(() => undefined);
  const context: ServerContext = {
    runDir: await mkdtemp(join(tmpdir(), `${name}-`)),
    tiedToParent: true,
    started: [],
  };
  const moto = await startMoto(motoPython, context, { INITIAL_NO_AUTH_ACTION_COUNT: '0' }, name);
  // The admin is seeded while enforcement is paused; from then on everything is enforced.
  await setAuthFreeRequests(moto.url, 'inf');
  const admin = await createUserIn(
    iamClient(moto.url, { accessKeyId: 'seed', secretAccessKey: 'seed' }),
    'admin',
    ['*'],
  );
  await setAuthFreeRequests(moto.url, '0');
  const iam = iamClient(moto.url, admin.keys);
  const gate = await startTrustGate(moto.url, admin.keys);
  return {
    moto,
    gate,
    createUser: (user, actions) => createUserIn(iam, user, actions),
    createRole: async (role, trustPolicy): Promise<string> => {
      const created = await iam.send(
        new CreateRoleCommand({
          RoleName: role,
          AssumeRolePolicyDocument: JSON.stringify(trustPolicy),
        }),
      );
      if (created.Role?.Arn === undefined) throw new Error(`CreateRole ${role} gave no ARN`);
      return created.Role.Arn;
    },
    stop: async (): Promise<void> => {
      await gate.close();
      await Promise.all(context.started.map((server) => stopProcessGroup(server.pid)));
      await rm(context.runDir, { recursive: true, force: true });
    },
  };
}

/** openTrust is the portal's trust policy (connect-aws/template.ts trustPolicy) without the condition: the control case. */
export function openTrust(principalArn: string): object {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: principalArn }, Action: 'sts:AssumeRole' }],
  };
}
