// A Cognito user pool in moto for portal tests: the pool the portal signs users in with
// (email as username, USER_PASSWORD_AUTH allowed, no client secret), and users signed up
// and confirmed through the same public API the portal uses. moto accepts any code (for
// ConfirmSignUp and ConfirmForgotPassword alike), sends no email, and lacks
// ResendConfirmationCode and RevokeToken: startCognitoStandIn answers the first.
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
import { once } from 'node:events';
import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** CognitoStandIn is moto behind a stand-in that answers what moto 5.2.5 lacks. */
export interface CognitoStandIn {
  readonly url: string;
  /** The usernames ResendConfirmationCode was answered for, in order. */
  readonly resent: string[];
  /** The refresh tokens RevokeToken ended; InitiateAuth refuses to renew from them. */
  readonly revoked: ReadonlySet<string>;
  /** failNext answers the next call of `operation` (SignUp, …) with a Cognito error. */
  failNext(operation: string, error: { status: number; type: string; message: string }): void;
  close(): Promise<void>;
}

const RESEND_TARGET = 'AWSCognitoIdentityProviderService.ResendConfirmationCode';
const REVOKE_TARGET = 'AWSCognitoIdentityProviderService.RevokeToken';
const INITIATE_AUTH_TARGET = 'AWSCognitoIdentityProviderService.InitiateAuth';

/**
 * revocation answers RevokeToken as Cognito does (the pool's client only; the token ends)
 * and refuses a renewal from a revoked token, or returns undefined to forward the call.
 */
function revocation(
  pool: TestUserPool,
  revoked: Set<string>,
  target: string,
  raw: Buffer,
): { status: number; body: object } | undefined {
  if (target !== REVOKE_TARGET && target !== INITIATE_AUTH_TARGET) return undefined;
  const body = JSON.parse(raw.toString('utf8')) as {
    ClientId?: string;
    Token?: string;
    AuthParameters?: { REFRESH_TOKEN?: string };
  };
  if (target === INITIATE_AUTH_TARGET) {
    const token = body.AuthParameters?.REFRESH_TOKEN;
    if (token === undefined || !revoked.has(token)) return undefined;
    return {
      status: 400,
      body: { __type: 'NotAuthorizedException', message: 'Refresh Token has been revoked' },
    };
  }
  if (body.ClientId !== pool.clientId)
    return { status: 400, body: { __type: 'UnauthorizedException', message: 'no such client' } };
  revoked.add(body.Token ?? '');
  return { status: 200, body: {} };
}

function answerJson(res: ServerResponse, status: number, body: unknown): void {
  const type = (body as { __type?: string }).__type;
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    ...(type !== undefined && { 'x-amzn-errortype': type }),
  });
  res.end(JSON.stringify(body));
}

/**
 * resendAnswer answers ResendConfirmationCode as Cognito does: the pool's client only,
 * an existing user only, an unconfirmed one only, then where the code went.
 */
async function resendAnswer(
  pool: TestUserPool,
  body: { ClientId?: string; Username?: string },
): Promise<{ status: number; body: unknown }> {
  const refuse = (type: string, message: string): { status: number; body: unknown } => ({
    status: 400,
    body: { __type: type, message },
  });
  if (body.ClientId !== pool.clientId) return refuse('ResourceNotFoundException', 'no such client');
  const username = body.Username ?? '';
  let status: string | undefined;
  try {
    status = (
      await cognitoClient(pool.endpoint).send(
        new AdminGetUserCommand({ UserPoolId: pool.userPoolId, Username: username }),
      )
    ).UserStatus;
  } catch (error) {
    if ((error as Error).name !== 'UserNotFoundException') throw error;
    return refuse('UserNotFoundException', 'Username/client id combination not found.');
  }
  if (status !== 'UNCONFIRMED')
    return refuse('InvalidParameterException', 'User is already confirmed.');
  const destination = { Destination: 'u***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' };
  return { status: 200, body: { CodeDeliveryDetails: destination } };
}

/**
 * startCognitoStandIn serves `pool`'s moto on a free loopback port, forwarding every
 * request to moto except ResendConfirmationCode and RevokeToken, which moto 5.2.5 does not
 * implement (it answers 500): the stand-in answers them as Cognito does (resendAnswer,
 * revocation), records them, and refuses to renew from a revoked refresh token.
 * failNext injects a Cognito error into the next call of an operation (unsigned calls
 * such as SignUp carry no credential scope, so the checker's fault proxy cannot pick them).
 */
export async function startCognitoStandIn(pool: TestUserPool): Promise<CognitoStandIn> {
  const moto = new URL(pool.endpoint);
  const resent: string[] = [];
  const revoked = new Set<string>();
  const faults = new Map<string, { status: number; type: string; message: string }>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const fault = faults.get(target);
      if (fault !== undefined) {
        faults.delete(target);
        answerJson(res, fault.status, { __type: fault.type, message: fault.message });
        return;
      }
      const revoking = revocation(pool, revoked, target, raw);
      if (revoking !== undefined) {
        answerJson(res, revoking.status, revoking.body);
        return;
      }
      if (target === RESEND_TARGET) {
        const body = JSON.parse(raw.toString('utf8')) as { ClientId?: string; Username?: string };
        resendAnswer(pool, body).then(
          (answer) => {
            if (answer.status === 200) resent.push(body.Username ?? '');
            answerJson(res, answer.status, answer.body);
          },
          (error: unknown) => {
            res.writeHead(599).end(String(error));
          },
        );
        return;
      }
      const upstream = request(
        {
          host: moto.hostname,
          port: moto.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => res.writeHead(599).end(String(error)));
      upstream.end(raw);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    resent,
    revoked,
    failNext: (operation, error) => {
      faults.set(`AWSCognitoIdentityProviderService.${operation}`, error);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
