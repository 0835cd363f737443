// Cognito user pools. Healthy means: the pool can send its messages (no SMS or email
// configuration failure reported by Cognito) and, where a hosted-UI domain is
// configured, that domain is ACTIVE.
import {
  CognitoIdentityProviderClient,
  DescribeUserPoolCommand,
  DescribeUserPoolDomainCommand,
  paginateListUserPools,
  type UserPoolType,
} from '@aws-sdk/client-cognito-identity-provider';
import { classifyErrors, clientConfig } from '../clients.ts';
import { incompleteAnswer, required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';

/**
 * judgeUserPool keeps the Cognito rule: no SMS or email configuration failure, and the
 * domain (when there is one) ACTIVE. `domainStatus` is undefined for a pool without one.
 */
export function judgeUserPool(pool: UserPoolType, domainStatus?: string): Health {
  const problems = [
    ...(pool.SmsConfigurationFailure ? [`SMS: ${pool.SmsConfigurationFailure}`] : []),
    ...(pool.EmailConfigurationFailure ? [`email: ${pool.EmailConfigurationFailure}`] : []),
    ...(domainStatus === undefined ? [] : stateProblem('domain', domainStatus, ['ACTIVE'])),
  ];
  return judged(problems.length === 0 ? 'available' : 'impaired', problems);
}

type Client = CognitoIdentityProviderClient;

async function* poolIds(context: ScanContext, client: Client): AsyncIterable<string> {
  const pages = paginateListUserPools(
    { client, pageSize: 60 },
    { MaxResults: 60 },
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const pool of page.UserPools ?? []) {
      yield required(pool.Id, 'cognito-idp:ListUserPools', 'a user pool Id');
    }
  }
}

async function describe(context: ScanContext, client: Client, id: string): Promise<UserPoolType> {
  const answer = await client.send(new DescribeUserPoolCommand({ UserPoolId: id }), {
    abortSignal: context.signal,
  });
  if (!answer.UserPool) throw incompleteAnswer('cognito-idp:DescribeUserPool', 'a pool');
  return answer.UserPool;
}

async function domainStatus(
  context: ScanContext,
  client: Client,
  pool: UserPoolType,
): Promise<string | undefined> {
  const domain = pool.CustomDomain ?? pool.Domain;
  if (!domain) return undefined;
  const answer = await client.send(new DescribeUserPoolDomainCommand({ Domain: domain }), {
    abortSignal: context.signal,
  });
  return required(
    answer.DomainDescription?.Status,
    'cognito-idp:DescribeUserPoolDomain',
    `the status of domain ${domain}`,
  );
}

function makeClient(context: ScanContext): Client {
  const client = new CognitoIdentityProviderClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'cognito-idp', context);
  return client;
}

async function* listPools(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  const needTags = Object.keys(context.tags).length > 0;
  for await (const id of poolIds(context, client)) {
    const tags = needTags ? ((await describe(context, client, id)).UserPoolTags ?? {}) : {};
    yield { id, tags };
  }
}

async function* checkPools(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const id of poolIds(context, client)) {
    const pool = await describe(context, client, id);
    const health = judgeUserPool(pool, await domainStatus(context, client, pool));
    yield { id, tags: pool.UserPoolTags ?? {}, health };
  }
}

/** cognitoIdp inventories user pools and judges their messaging and domain. */
export const cognitoIdp = {
  name: 'cognito-idp',
  scope: 'regional',
  healthRule: 'No SMS or email configuration failure, and the hosted-UI domain (if any) ACTIVE.',
  taggable: true,
  iamActions: {
    health_check: [
      'cognito-idp:ListUserPools',
      'cognito-idp:DescribeUserPool',
      'cognito-idp:DescribeUserPoolDomain',
    ],
    resource_list: ['cognito-idp:ListUserPools', 'cognito-idp:DescribeUserPool'],
  },
  healthCheck: checkPools,
  resourceList: listPools,
} as const satisfies ServiceModule;
