// Lambda functions. Healthy means: state Active or Inactive (idle, woken on the next
// invocation) and the last update did not fail.
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListTagsCommand,
  paginateListFunctions,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import {
  wantsTags,
  type Health,
  type Observed,
  type ScanContext,
  type ServiceModule,
  type Tags,
} from '../service.ts';

/** judgeFunction keeps the Lambda rule: Active or Inactive, last update not Failed. */
export function judgeFunction(fn: FunctionConfiguration): Health {
  const state = fn.State ?? 'unknown';
  const update =
    fn.LastUpdateStatus === 'Failed'
      ? [
          `last update failed: ${fn.LastUpdateStatusReasonCode ?? ''} ${fn.LastUpdateStatusReason ?? ''}`.trim(),
        ]
      : [];
  const reason = fn.State === 'Failed' && fn.StateReason ? [fn.StateReason] : [];
  return judged(state, [
    ...stateProblem('function', fn.State, ['Active', 'Inactive']),
    ...reason,
    ...update,
  ]);
}

function makeClient(context: ScanContext): LambdaClient {
  const client = new LambdaClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'lambda', context);
  return client;
}

async function* functions(
  context: ScanContext,
  client: LambdaClient,
): AsyncIterable<FunctionConfiguration> {
  const pages = paginateListFunctions(
    { client, pageSize: 50 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) yield* page.Functions ?? [];
}

async function tagsOf(
  context: ScanContext,
  client: LambdaClient,
  arn: string | undefined,
): Promise<Tags> {
  if (!wantsTags(context)) return {};
  const resource = required(arn, 'lambda:ListFunctions', 'a FunctionArn');
  const answer = await client.send(new ListTagsCommand({ Resource: resource }), {
    abortSignal: context.signal,
  });
  return answer.Tags ?? {};
}

const functionName = (fn: FunctionConfiguration): string =>
  required(fn.FunctionName, 'lambda:ListFunctions', 'a FunctionName');

async function* listFunctions(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const fn of functions(context, client)) {
    yield { id: functionName(fn), tags: await tagsOf(context, client, fn.FunctionArn) };
  }
}

// ListFunctions leaves out State and LastUpdateStatus, so each function is read once more.
async function* checkFunctions(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const listed of functions(context, client)) {
    const id = functionName(listed);
    const fn = await client.send(
      new GetFunctionConfigurationCommand({ FunctionName: listed.FunctionArn ?? id }),
      { abortSignal: context.signal },
    );
    const tags = await tagsOf(context, client, listed.FunctionArn);
    yield { id, tags, health: judgeFunction(fn) };
  }
}

/** lambda inventories functions and judges their state and last update. */
export const lambda = {
  name: 'lambda',
  scope: 'regional',
  taggable: true,
  healthRule: 'Function Active or Inactive, and its last update not Failed.',
  iamActions: {
    health_check: ['lambda:ListFunctions', 'lambda:GetFunctionConfiguration', 'lambda:ListTags'],
    resource_list: ['lambda:ListFunctions', 'lambda:ListTags'],
  },
  healthCheck: checkFunctions,
  resourceList: listFunctions,
} as const satisfies ServiceModule;
