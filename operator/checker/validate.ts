// `checker validate`: prove the credentials work — STS GetCallerIdentity as the base
// identity, then AssumeRole with the ExternalId and GetCallerIdentity as the role.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { classifyErrors, clientConfig } from './clients.ts';
import {
  assumeRole,
  baseCredentials,
  settingsFor,
  type CredentialOptions,
  type StsContext,
} from './credentials.ts';
import { incompleteAnswer } from './errors.ts';
import type { Identity } from './result.ts';
import type { ClientSettings } from './service.ts';

/** callerIdentity asks STS who the settings' credentials are. */
export async function callerIdentity(
  settings: ClientSettings,
  context: { readonly region: string; readonly signal: AbortSignal },
): Promise<Identity> {
  const sts = new STSClient(clientConfig({ ...context, settings }));
  classifyErrors(sts.middlewareStack, 'sts', { ...context, settings });
  const answer = await sts.send(new GetCallerIdentityCommand({}), { abortSignal: context.signal });
  if (!answer.Account || !answer.Arn || !answer.UserId) {
    throw incompleteAnswer('sts:GetCallerIdentity', 'Account, Arn and UserId');
  }
  return { accountId: answer.Account, arn: answer.Arn, userId: answer.UserId };
}

/** Validated is whose credentials a validation proved, and the role it assumed. */
export interface Validated {
  readonly identity: Identity;
  readonly assumedRoleArn?: string;
}

/** validateCredentials runs every step; the first failure is thrown, classified. */
export async function validateCredentials(
  options: CredentialOptions,
  env: NodeJS.ProcessEnv,
  context: StsContext,
): Promise<Validated> {
  const base = settingsFor(await baseCredentials(options, env, context), options);
  const baseIdentity = await callerIdentity(base, context);
  if (!options.assumeRole) return { identity: baseIdentity };
  const role = settingsFor(await assumeRole(base, options.assumeRole, context), options);
  return {
    identity: await callerIdentity(role, context),
    assumedRoleArn: options.assumeRole.roleArn,
  };
}
