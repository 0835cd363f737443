// API Gateway REST APIs. API Gateway reports no health state for an API; healthy means
// the API has at least one stage, i.e. a deployment that clients can call.
import {
  APIGatewayClient,
  GetStagesCommand,
  paginateGetRestApis,
  type RestApi,
} from '@aws-sdk/client-api-gateway';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';

/** judgeRestApi keeps the API Gateway rule: at least one stage. */
export function judgeRestApi(stageCount: number): Health {
  return stageCount > 0
    ? judged(`${stageCount} stages`, [])
    : judged('no stages', ['the API has no stage: nothing is deployed for clients to call']);
}

async function* restApis(context: ScanContext, client: APIGatewayClient): AsyncIterable<RestApi> {
  const pages = paginateGetRestApis({ client, pageSize: 500 }, {}, { abortSignal: context.signal });
  for await (const page of pages) yield* page.items ?? [];
}

function makeClient(context: ScanContext): APIGatewayClient {
  const client = new APIGatewayClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'apigateway', context);
  return client;
}

const apiId = (api: RestApi): string => required(api.id, 'apigateway:GET', 'a REST API id');

async function* listApis(context: ScanContext): AsyncIterable<Observed> {
  for await (const api of restApis(context, makeClient(context))) {
    yield { id: apiId(api), tags: api.tags ?? {} };
  }
}

async function* checkApis(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const api of restApis(context, client)) {
    const id = apiId(api);
    const stages = await client.send(new GetStagesCommand({ restApiId: id }), {
      abortSignal: context.signal,
    });
    yield {
      id,
      tags: api.tags ?? {},
      health: judgeRestApi(stages.item?.length ?? 0),
    };
  }
}

/** apigateway inventories REST APIs and checks each has a deployed stage. */
export const apigateway = {
  name: 'apigateway',
  scope: 'regional',
  taggable: true,
  healthRule:
    'API Gateway reports no API health; healthy means the REST API has at least one stage.',
  iamActions: { health_check: ['apigateway:GET'], resource_list: ['apigateway:GET'] },
  healthCheck: checkApis,
  resourceList: listApis,
} as const satisfies ServiceModule;
