// A Cognito user pool in moto for portal tests: the pool the portal signs users in with
// (email as username, USER_PASSWORD_AUTH allowed, no client secret), and users signed up
// and confirmed through the same public API the portal uses. moto accepts any code.
import {
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomBytes } from 'node:crypto';
import { AWS_TEST_KEYS } from './awscheck.ts';

/** TEST_COGNITO_REGION is the region test pools live in. */
export const TEST_COGNITO_REGION = 'us-east-1';

/** TEST_PASSWORD satisfies the pool's password policy. */
export const TEST_PASSWORD = 'Correct-Horse-7-battery';

/** TestUserPool is a pool and its app client, reached at `endpoint`. */
export interface TestUserPool {
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
}

/** TestUser is a confirmed user: `sub` is the tenant id. */
export interface TestUser {
  readonly email: string;
  readonly password: string;
  readonly sub: string;
}

/** cognitoClient is an SDK client for moto's Cognito with moto's test keys. */
export function cognitoClient(endpoint: string): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: TEST_COGNITO_REGION,
    endpoint,
    credentials: {
      accessKeyId: AWS_TEST_KEYS.AWS_ACCESS_KEY_ID,
      secretAccessKey: AWS_TEST_KEYS.AWS_SECRET_ACCESS_KEY,
    },
  });
}

/** createUserPool makes a pool with email usernames and an app client without a secret. */
export async function createUserPool(
  endpoint: string,
  name = 'awscheck-test',
): Promise<TestUserPool> {
  const client = cognitoClient(endpoint);
  const pool = await client.send(
    new CreateUserPoolCommand({
      PoolName: `${name}-${randomBytes(3).toString('hex')}`,
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: { MinimumLength: 8 } },
    }),
  );
  const userPoolId = pool.UserPool?.Id;
  if (userPoolId === undefined) throw new Error('moto created a user pool without an id');
  const app = await client.send(
    new CreateUserPoolClientCommand({
      UserPoolId: userPoolId,
      ClientName: 'portal',
      GenerateSecret: false,
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    }),
  );
  const clientId = app.UserPoolClient?.ClientId;
  if (clientId === undefined) throw new Error('moto created an app client without an id');
  return { endpoint, region: TEST_COGNITO_REGION, userPoolId, clientId };
}

/** uniqueEmail is an address no other test uses. */
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.com`;
}

/** userSub is a user's `sub` (the tenant id), or undefined when the pool has no such user. */
export async function userSub(pool: TestUserPool, email: string): Promise<string | undefined> {
  try {
    const user = await cognitoClient(pool.endpoint).send(
      new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: email }),
    );
    return user.UserAttributes?.find((a) => a.Name === 'sub')?.Value;
  } catch (error) {
    if ((error as Error).name === 'UserNotFoundException') return undefined;
    throw error;
  }
}

/** createConfirmedUser signs a user up and confirms them, as the portal's forms would. */
export async function createConfirmedUser(
  pool: TestUserPool,
  email = uniqueEmail(),
  password = TEST_PASSWORD,
): Promise<TestUser> {
  const client = cognitoClient(pool.endpoint);
  await client.send(
    new SignUpCommand({
      ClientId: pool.clientId,
      Username: email,
      Password: password,
      UserAttributes: [{ Name: 'email', Value: email }],
    }),
  );
  await client.send(
    new ConfirmSignUpCommand({
      ClientId: pool.clientId,
      Username: email,
      ConfirmationCode: '123456',
    }),
  );
  const sub = await userSub(pool, email);
  if (sub === undefined) throw new Error(`moto lost the user ${email}`);
  return { email, password, sub };
}

/** idTokenOf signs a user in directly and returns the pool's ID token for them. */
export async function idTokenOf(pool: TestUserPool, user: TestUser): Promise<string> {
  const answer = await cognitoClient(pool.endpoint).send(
    new InitiateAuthCommand({
      ClientId: pool.clientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: user.email, PASSWORD: user.password },
    }),
  );
  const token = answer.AuthenticationResult?.IdToken;
  if (token === undefined) throw new Error('moto signed in without an ID token');
  return token;
}
