// Where a run's AWS credentials come from, in one place and in a fixed order: mounted
// Secret files, else the standard environment variables, else — only when explicitly
// allowed — the SDK's default chain (the platform identity). AssumeRole, with the
// platform's ExternalId, is applied on top of whichever base was chosen.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ValidateArgs } from './args.ts';
import { classifyErrors, clientConfig } from './clients.ts';
import { CheckerError, invalidConfiguration } from './errors.ts';
import type { AwsCredentials, ClientSettings } from './service.ts';

/** AssumeRoleOptions are the role a run assumes, with the ExternalId the platform derived. */
export interface AssumeRoleOptions {
  readonly roleArn: string;
  readonly externalId: string;
  readonly sessionName: string;
  readonly durationSeconds: number;
}

/** CredentialOptions are the credential arguments of `checker run` and `checker validate`. */
export interface CredentialOptions {
  readonly credentialsDir?: string;
  readonly defaultChain: boolean;
  readonly assumeRole?: AssumeRoleOptions;
  /** The region STS is called in. */
  readonly stsRegion: string;
  readonly maxAttempts: number;
  readonly endpoint?: string;
}

/** SECRET_KEYS are the file names a mounted credential Secret holds. */
export const SECRET_KEYS = {
  accessKeyId: 'AWS_ACCESS_KEY_ID',
  secretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  sessionToken: 'AWS_SESSION_TOKEN',
} as const;

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
 * baseCredentials chooses the starting identity. Undefined means the SDK's default chain,
 * which is only returned when `defaultChain` allows it; otherwise missing credentials are
 * an InvalidConfiguration that names every allowed source.
 */
export async function baseCredentials(
  options: CredentialOptions,
  env: NodeJS.ProcessEnv,
): Promise<AwsCredentials | undefined> {
  if (options.credentialsDir !== undefined) return fromFiles(options.credentialsDir);
  const fromEnv = fromEnvironment(env);
  if (fromEnv) return fromEnv;
  if (options.defaultChain) return undefined;
  throw invalidConfiguration(
    'NoCredentials',
    `no credentials: pass --credentials-dir with the mounted Secret, set ${SECRET_KEYS.accessKeyId} and ${SECRET_KEYS.secretAccessKey}, or pass --default-chain where the platform identity is allowed`,
  );
}

/** settingsFor makes client settings from credentials (undefined: the SDK's default chain). */
export function settingsFor(
  credentials: AwsCredentials | undefined,
  options: Pick<CredentialOptions, 'maxAttempts' | 'endpoint'>,
): ClientSettings {
  return {
    maxAttempts: options.maxAttempts,
    ...(credentials && { credentials }),
    ...(options.endpoint !== undefined && { endpoint: options.endpoint }),
  };
}

/** assumeRole calls STS AssumeRole with the ExternalId and returns the role's credentials. */
export async function assumeRole(
  base: ClientSettings,
  role: AssumeRoleOptions,
  context: { readonly region: string; readonly signal: AbortSignal },
): Promise<AwsCredentials> {
  // Imported here: most runs assume no role, and should not pay for loading STS.
  const { AssumeRoleCommand, STSClient } = await import('@aws-sdk/client-sts');
  const sts = new STSClient(clientConfig({ ...context, settings: base }));
  classifyErrors(sts.middlewareStack, 'sts', context);
  const answer = await sts.send(
    new AssumeRoleCommand({
      RoleArn: role.roleArn,
      RoleSessionName: role.sessionName,
      ExternalId: role.externalId,
      DurationSeconds: role.durationSeconds,
    }),
    { abortSignal: context.signal },
  );
  const issued = answer.Credentials;
  if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken) {
    throw new CheckerError({
      category: 'ServiceError',
      code: 'NoCredentialsIssued',
      message: `sts:AssumeRole of ${role.roleArn} answered without credentials`,
      region: context.region,
      operation: 'sts:AssumeRole',
    });
  }
  return {
    accessKeyId: issued.AccessKeyId,
    secretAccessKey: issued.SecretAccessKey,
    sessionToken: issued.SessionToken,
  };
}

/**
 * resolveSettings resolves a run's credentials once, before any region starts: the base,
 * then AssumeRole when configured. A failure here is the run's first error.
 */
export async function resolveSettings(
  options: CredentialOptions,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<ClientSettings> {
  const base = settingsFor(await baseCredentials(options, env), options);
  if (!options.assumeRole) return base;
  const role = await assumeRole(base, options.assumeRole, { region: options.stsRegion, signal });
  return settingsFor(role, options);
}

/** credentialOptions picks the credential arguments out of a validated command line. */
export function credentialOptions(
  args: Omit<ValidateArgs, 'timeout' | 'termination-log'>,
  endpoint?: string,
): CredentialOptions {
  const roleArn = args['role-arn'];
  const externalId = args['external-id'];
  return {
    defaultChain: args['default-chain'],
    stsRegion: args['sts-region'],
    maxAttempts: args['max-attempts'],
    ...(args['credentials-dir'] !== undefined && { credentialsDir: args['credentials-dir'] }),
    ...(endpoint !== undefined && { endpoint }),
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
