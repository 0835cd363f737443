// DynamoDB tables. Healthy means: table status ACTIVE or UPDATING (serving), every
// global secondary index ACTIVE, CREATING or UPDATING, and no replica in a failed state.
import {
  DescribeTableCommand,
  DynamoDBClient,
  paginateListTables,
  ListTagsOfResourceCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { classifyErrors, clientConfig } from '../clients.ts';
import { incompleteAnswer } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule, Tags } from '../service.ts';
import { tagsFromList } from '../tags.ts';

const FAILED_REPLICA = [
  'CREATION_FAILED',
  'INACCESSIBLE_ENCRYPTION_CREDENTIALS',
  'REGION_DISABLED',
];

/** judgeTable keeps the DynamoDB rule: serving table, usable indexes, no failed replica. */
export function judgeTable(table: TableDescription): Health {
  const state = table.TableStatus ?? 'unknown';
  const indexes = (table.GlobalSecondaryIndexes ?? []).flatMap((index) =>
    stateProblem(`index ${index.IndexName ?? '?'}`, index.IndexStatus, [
      'ACTIVE',
      'CREATING',
      'UPDATING',
    ]),
  );
  const replicas = (table.Replicas ?? [])
    .filter((replica) => FAILED_REPLICA.includes(replica.ReplicaStatus ?? ''))
    .map((replica) => `replica in ${replica.RegionName ?? '?'} is ${replica.ReplicaStatus ?? ''}`);
  return judged(state, [
    ...stateProblem('table', state, ['ACTIVE', 'UPDATING']),
    ...indexes,
    ...replicas,
  ]);
}

async function* tableNames(context: ScanContext, client: DynamoDBClient): AsyncIterable<string> {
  const pages = paginateListTables({ client }, {}, { abortSignal: context.signal });
  for await (const page of pages) yield* page.TableNames ?? [];
}

async function describe(
  context: ScanContext,
  client: DynamoDBClient,
  name: string,
): Promise<TableDescription> {
  const answer = await client.send(new DescribeTableCommand({ TableName: name }), {
    abortSignal: context.signal,
  });
  if (!answer.Table) throw incompleteAnswer('dynamodb:DescribeTable', 'a table');
  return answer.Table;
}

// ListTagsOfResource has no SDK paginator; it follows NextToken itself.
async function tagsOf(context: ScanContext, client: DynamoDBClient, arn: string): Promise<Tags> {
  const tags: Record<string, string> = {};
  let NextToken: string | undefined;
  do {
    const page = await client.send(new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken }), {
      abortSignal: context.signal,
    });
    Object.assign(tags, tagsFromList(page.Tags));
    NextToken = page.NextToken;
  } while (NextToken);
  return tags;
}

async function tagsIfFiltered(
  context: ScanContext,
  client: DynamoDBClient,
  table: () => Promise<TableDescription>,
): Promise<Tags> {
  if (Object.keys(context.tags).length === 0) return {};
  const arn = (await table()).TableArn;
  if (!arn) throw incompleteAnswer('dynamodb:DescribeTable', 'a table ARN');
  return tagsOf(context, client, arn);
}

async function* listTables(context: ScanContext): AsyncIterable<Observed> {
  const client = new DynamoDBClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'dynamodb', context);
  for await (const name of tableNames(context, client)) {
    const tags = await tagsIfFiltered(context, client, () => describe(context, client, name));
    yield { id: name, tags };
  }
}

async function* checkTables(context: ScanContext): AsyncIterable<Observed> {
  const client = new DynamoDBClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'dynamodb', context);
  for await (const name of tableNames(context, client)) {
    const table = await describe(context, client, name);
    const tags = await tagsIfFiltered(context, client, () => Promise.resolve(table));
    yield { id: name, tags, health: judgeTable(table) };
  }
}

/** dynamodb inventories tables and judges table, index and replica status. */
export const dynamodb = {
  name: 'dynamodb',
  scope: 'regional',
  healthRule:
    'Table ACTIVE or UPDATING, every global secondary index ACTIVE, CREATING or UPDATING, no replica failed.',
  taggable: true,
  iamActions: {
    health_check: ['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'],
    resource_list: ['dynamodb:ListTables', 'dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'],
  },
  healthCheck: checkTables,
  resourceList: listTables,
} as const satisfies ServiceModule;
