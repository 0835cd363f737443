// STS: the credentials' own identity, per regional STS endpoint. Healthy means the
// endpoint answered GetCallerIdentity; the identity's ARN is the one resource.
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged } from '../health.ts';
import type { Observed, ScanContext, ServiceModule } from '../service.ts';

async function* identity(context: ScanContext): AsyncIterable<Observed> {
  const sts = new STSClient(clientConfig(context));
  classifyErrors(sts.middlewareStack, 'sts', context);
  const answer = await sts.send(new GetCallerIdentityCommand({}), {
    abortSignal: context.signal,
  });
  const arn = required(answer.Arn, 'sts:GetCallerIdentity', 'the identity’s Arn');
  required(answer.Account, 'sts:GetCallerIdentity', 'the identity’s Account');
  yield { id: arn, tags: {}, health: judged('answered', []) };
}

/** sts checks that each region's STS endpoint accepts the credentials. */
export const sts = {
  name: 'sts',
  scope: 'regional',
  healthRule: "The region's STS endpoint answers GetCallerIdentity for the credentials.",
  taggable: false,
  iamActions: { health_check: ['sts:GetCallerIdentity'], resource_list: ['sts:GetCallerIdentity'] },
  healthCheck: identity,
  resourceList: identity,
} as const satisfies ServiceModule;
