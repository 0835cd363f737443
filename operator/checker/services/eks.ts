// EKS clusters. Healthy means: status ACTIVE or UPDATING (the API server serves while
// it updates) and no health issues reported by EKS.
import {
  DescribeClusterCommand,
  EKSClient,
  paginateListClusters,
  type Cluster,
} from '@aws-sdk/client-eks';
import { classifyErrors, clientConfig } from '../clients.ts';
import { incompleteAnswer } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';

/** judgeCluster keeps the EKS rule: ACTIVE or UPDATING, and no health issues. */
export function judgeCluster(cluster: Cluster): Health {
  const state = cluster.status ?? 'unknown';
  const issues = (cluster.health?.issues ?? []).map((issue) =>
    `${issue.code ?? 'issue'}: ${issue.message ?? ''}`.trim(),
  );
  return judged(state, [...stateProblem('cluster', state, ['ACTIVE', 'UPDATING']), ...issues]);
}

async function* clusterNames(context: ScanContext, client: EKSClient): AsyncIterable<string> {
  const pages = paginateListClusters({ client }, {}, { abortSignal: context.signal });
  for await (const page of pages) yield* page.clusters ?? [];
}

async function describe(context: ScanContext, client: EKSClient, name: string): Promise<Cluster> {
  const answer = await client.send(new DescribeClusterCommand({ name }), {
    abortSignal: context.signal,
  });
  if (!answer.cluster) throw incompleteAnswer('eks:DescribeCluster', 'a cluster');
  return answer.cluster;
}

async function* listClusters(context: ScanContext): AsyncIterable<Observed> {
  const client = new EKSClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'eks', context);
  const needTags = Object.keys(context.tags).length > 0;
  for await (const name of clusterNames(context, client)) {
    const tags = needTags ? ((await describe(context, client, name)).tags ?? {}) : {};
    yield { id: name, tags };
  }
}

async function* checkClusters(context: ScanContext): AsyncIterable<Observed> {
  const client = new EKSClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'eks', context);
  for await (const name of clusterNames(context, client)) {
    const cluster = await describe(context, client, name);
    yield { id: name, tags: cluster.tags ?? {}, health: judgeCluster(cluster) };
  }
}

/** eks inventories clusters and judges their status and health issues. */
export const eks = {
  name: 'eks',
  scope: 'regional',
  healthRule: 'Cluster ACTIVE or UPDATING with no health issues.',
  taggable: true,
  iamActions: {
    health_check: ['eks:ListClusters', 'eks:DescribeCluster'],
    resource_list: ['eks:ListClusters', 'eks:DescribeCluster'],
  },
  healthCheck: checkClusters,
  resourceList: listClusters,
} as const satisfies ServiceModule;
