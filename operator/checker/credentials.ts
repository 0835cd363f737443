// Where a run's AWS credentials come from, in one place and in a fixed order: mounted
// Secret files; else the platform identity, by the projected web-identity token and
// role the operator names (--web-identity-token-file with --platform-role-arn); else the
// standard environment variables (a shell user). Nothing else: never the SDK's default
// chain, IMDS or any identity the node or namespace happens to have. AssumeRole, with the
// platform's ExternalId, is applied on top of whichever base was chosen. Sessions (the
// platform's and the assumed role's) are renewed before they expire, so a run longer than
// a session never fails mid-way.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Credentials } from '@aws-sdk/client-sts';
import type { ValidateArgs } from './args.ts';
import { classifyErrors, clientConfig } from './clients.ts';
import { CheckerError, invalidConfiguration } from './errors.ts';
import { callLimits, type CallLimits } from './limits.ts';
import type { AwsCredentials, ClientSettings, CredentialProvider } from './service.ts';

/** AssumeRoleOptions are the role a run assumes, with the ExternalId the platform derived. */
export interface AssumeRoleOptions {
  readonly roleArn: string;
  readonly externalId: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
}

/** WebIdentityOptions are the platform identity: its projected token and role. */
export interface WebIdentityOptions {
  readonly tokenFile: string;
  readonly roleArn: string;
  readonly sessionName: string;
}

/** CredentialOptions are the credential arguments of `checker run` and `checker validate`. */
export interface CredentialOptions {
  readonly credentialsDir?: string;
  readonly webIdentity?: WebIdentityOptions;
  readonly assumeRole?: AssumeRoleOptions;
  /** The region STS is called in: the credential ref's region. */
  readonly stsRegion: string;
  /** The command's AWS call bounds, shared by its STS calls and every client of the run. */
  readonly limits: CallLimits;
  readonly endpoint?: string;
}

/** SECRET_KEYS are the file names a mounted credential Secret holds. */
export const SECRET_KEYS = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
} as const;

/** REFRESH_WINDOW_MS: a session is renewed when it has less than this left (as the SDK does). */
export const REFRESH_WINDOW_MS = 5 * 60_000;

/** TemporaryCredentials are a session's credentials with the time they expire. */
export interface TemporaryCredentials extends AwsCredentials {
  readonly sessionToken: string;
  readonly expiration: Date;
}

// readKey reads one Secret key file; undefined only when it is absent and optional.
async function readKey(dir: string, key: string, required: boolean): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, key), 'utf8');
  } catch (error) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    if (missing && !required) return undefined;
    throw invalidConfiguration(
      'CredentialFileUnreadable',
      `cannot read ${join(dir, key)} (${String(error)}); the credential Secret must hold the keys ${SECRET_KEYS.accessKeyId} and ${SECRET_KEYS.secretAccessKey} (and optionally ${SECRET_KEYS.sessionToken})`,
    );
  }
  const value = text.trim();
  if (value === '') throw invalidConfiguration('CredentialFileEmpty', `${join(dir, key)} is empty`);
  return value;
}

async function readRequiredKey(dir: string, key: string): Promise<string> {
  const value = await readKey(dir, key, true);
  if (value === undefined) throw new Error(`readKey returned nothing for required ${key}`);
  return value;
}

/** fromFiles reads credentials from a mounted Secret: one file per key, read at run time. */
export async function fromFiles(dir: string): Promise<AwsCredentials> {
  const [accessKeyId, secretAccessKey, sessionToken] = await Promise.all([
    readRequiredKey(dir, SECRET_KEYS.accessKeyId),
    readRequiredKey(dir, SECRET_KEYS.secretAccessKey),
    readKey(dir, SECRET_KEYS.sessionToken, false),
  ]);
  return { accessKeyId, secretAccessKey, ...(sessionToken !== undefined && { sessionToken }) };
}

/** fromEnvironment reads the standard AWS variables; undefined when the key pair is absent. */
export function fromEnvironment(env: NodeJS.ProcessEnv): AwsCredentials | undefined {
  const accessKeyId = env[SECRET_KEYS.accessKeyId];
  const secretAccessKey = env[SECRET_KEYS.secretAccessKey];
  const sessionToken = env[SECRET_KEYS.sessionToken];
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    throw invalidConfiguration(
      'CredentialVariablesIncomplete',
      `set both ${SECRET_KEYS.accessKeyId} and ${SECRET_KEYS.secretAccessKey}, or neither`,
    );
  }
  return { accessKeyId, secretAccessKey, ...(sessionToken && { sessionToken }) };
}

/**
 * refreshing makes a credential provider from a session issuer: every caller shares one
 * session, which is renewed (once, however many callers ask at that moment) when it has
 * less than REFRESH_WINDOW_MS left at `now`. A failed renewal fails the caller and the
 * next caller tries again.
 */
export function refreshing(
  issue: () => Promise<TemporaryCredentials>,
  now: () => Date,
): CredentialProvider {
  let held: TemporaryCredentials | undefined;
  let inFlight: Promise<TemporaryCredentials> | undefined;
  return async () => {
    if (held && held.expiration.getTime() - now().getTime() > REFRESH_WINDOW_MS) return held;
    inFlight ??= issue().finally(() => {
      inFlight = undefined;
    });
    held = await inFlight;
    return held;
  };
}

/** StsContext is where and under which signal STS is called. */
export interface StsContext {
  readonly region: string;
  readonly signal: AbortSignal;
  readonly now: () => Date;
}

function issued(
  answer: { readonly Credentials?: Credentials | undefined },
  operation: string,
  context: StsContext,
): TemporaryCredentials {
  const given = answer.Credentials;
  if (!given?.AccessKeyId || !given.SecretAccessKey || !given.SessionToken || !given.Expiration) {
    throw new CheckerError({
      category: 'ServiceError',
      code: 'NoCredentialsIssued',
      message: `${operation} answered without credentials and their expiration`,
      region: context.region,
      operation,
    });
  }
  return {
    accessKeyId: given.AccessKeyId,
    secretAccessKey: given.SecretAccessKey,
    sessionToken: given.SessionToken,
    expiration: given.Expiration,
  };
}

// NO_AMBIENT_CREDENTIALS stands where the SDK would otherwise look for credentials of its
// own (environment, files, IMDS): AssumeRoleWithWebIdentity is unsigned and needs none.
const NO_AMBIENT_CREDENTIALS: CredentialProvider = () =>
  Promise.reject(
    invalidConfiguration('NoAmbientCredentials', 'the checker never uses ambient credentials'),
  );

async function readToken(file: string): Promise<string> {
  let token: string;
  try {
    token = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw invalidConfiguration(
      'WebIdentityTokenUnreadable',
      `cannot read the platform identity token ${file} (${String(error)}); the pod must mount its projected ServiceAccount token there`,
    );
  }
  if (token === '') throw invalidConfiguration('WebIdentityTokenEmpty', `${file} is empty`);
  return token;
}

/**
 * webIdentitySession calls STS AssumeRoleWithWebIdentity for the platform role with the
 * projected token, read anew each time (the kubelet rotates it).
 */
export async function webIdentitySession(
  options: Pick<CredentialOptions, 'limits' | 'endpoint'>,
  identity: WebIdentityOptions,
  context: StsContext,
): Promise<TemporaryCredentials> {
  const token = await readToken(identity.tokenFile);
  const { AssumeRoleWithWebIdentityCommand, STSClient } = await import('@aws-sdk/client-sts');
  const settings = { ...settingsFor(NO_AMBIENT_CREDENTIALS, options) };
  const sts = new STSClient(clientConfig({ region: context.region, settings }));
  classifyErrors(sts.middlewareStack, 'sts', { ...context, settings });
  const answer = await sts.send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: identity.roleArn,
      RoleSessionName: identity.sessionName,
      WebIdentityToken: token,
    }),
    { abortSignal: context.signal },
  );
  return issued(answer, 'sts:AssumeRoleWithWebIdentity', context);
}

/** assumeRole calls STS AssumeRole with the ExternalId and returns the role's session. */
export async function assumeRole(
  base: ClientSettings,
  role: AssumeRoleOptions,
  context: StsContext,
): Promise<TemporaryCredentials> {
  // Imported here: most runs assume no role, and should not pay for loading STS.
  const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(clientConfig({ region: context.region, settings: base }));
  classifyErrors(sts.middlewareStack, 'sts', { ...context, settings: base });
  const answer = await sts.send(
    new AssumeRoleCommand({
      RoleArn: role.roleArn,
      RoleSessionName: role.sessionName,
      ExternalId: role.externalId,
      DurationSeconds: role.durationSeconds,
    }),
    { abortSignal: context.signal },
  );
  return issued(answer, 'sts:AssumeRole', context);
}

/**
 * baseCredentials chooses the starting identity, in the fixed order of this file. Missing
 * credentials are an InvalidConfiguration that names every allowed source.
 */
export async function baseCredentials(
  options: CredentialOptions,
  env: NodeJS.ProcessEnv,
  context: StsContext,
): Promise<AwsCredentials | CredentialProvider> {
  if (options.credentialsDir !== undefined) return fromFiles(options.credentialsDir);
  const identity = options.webIdentity;
  if (identity !== undefined) {
    const provider = refreshing(() => webIdentitySession(options, identity, context), context.now);
    await provider();
    return provider;
  }
  const fromEnv = fromEnvironment(env);
  if (fromEnv) return fromEnv;
  throw invalidConfiguration(
    'NoCredentials',
    `no credentials: pass --credentials-dir with the mounted Secret, --web-identity-token-file with --platform-role-arn for the platform identity, or set ${SECRET_KEYS.accessKeyId} and ${SECRET_KEYS.secretAccessKey}`,
  );
}

/** settingsFor makes client settings from credentials or a credential provider. */
export function settingsFor(
  credentials: AwsCredentials | CredentialProvider,
  options: Pick<CredentialOptions, 'limits' | 'endpoint'>,
): ClientSettings {
  return {
    limits: options.limits,
    credentials,
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  };
}

/**
 * resolveSettings resolves a run's credentials once, before any region starts: the base,
 * then AssumeRole when configured, each proven by one call now (a failure here is the
 * run's first error) and renewed by a refreshing provider while the run lasts.
 */
export async function resolveSettings(
  options: CredentialOptions,
  env: NodeJS.ProcessEnv,
  context: StsContext,
): Promise<ClientSettings> {
  const base = settingsFor(await baseCredentials(options, env, context), options);
  const role = options.assumeRole;
  if (!role) return base;
  const provider = refreshing(() => assumeRole(base, role, context), context.now);
  await provider();
  return settingsFor(provider, options);
}

/** credentialOptions picks the credential arguments out of a validated command line. */
export function credentialOptions(
  args: Omit<ValidateArgs, 'timeout' | 'termination-log'>,
  endpoint?: string,
): CredentialOptions {
  const roleArn = args['role-arn'];
  const externalId = args['external-id'];
  const tokenFile = args['web-identity-token-file'];
  const platformRoleArn = args['platform-role-arn'];
  return {
    stsRegion: args['sts-region'],
    limits: callLimits({
      maxAttempts: args['max-attempts'],
      maxInFlight: args['max-in-flight'],
    }),
    ...(args['credentials-dir'] !== undefined && { credentialsDir: args['credentials-dir'] }),
    ...(endpoint !== undefined && { endpoint }),
    ...(tokenFile !== undefined &&
      platformRoleArn !== undefined && {
        webIdentity: {
          tokenFile,
          roleArn: platformRoleArn,
          sessionName: args['role-session-name'],
        },
      }),
    ...(roleArn !== undefined &&
      externalId !== undefined && {
        assumeRole: {
          roleArn,
          externalId,
          sessionName: args['role-session-name'],
          durationSeconds: args['role-duration-seconds'],
        },
      }),
  };
}
