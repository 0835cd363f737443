// ElastiCache cache clusters. Healthy means the status is available (or a maintenance
// state in which it serves: modifying, snapshotting, rebooting cluster nodes).
import {
  ElastiCacheClient,
  ListTagsForResourceCommand,
  paginateDescribeCacheClusters,
  type CacheCluster,
} from '@aws-sdk/client-elasticache';
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
import { tagsFromList } from '../tags.ts';

const SERVING = ['available', 'modifying', 'snapshotting', 'rebooting cluster nodes'];

/** judgeCacheCluster keeps the ElastiCache rule: a serving status. */
export function judgeCacheCluster(cluster: CacheCluster): Health {
  const state = cluster.CacheClusterStatus ?? 'unknown';
  return judged(state, stateProblem('cache cluster', cluster.CacheClusterStatus, SERVING));
}

async function tagsOf(
  context: ScanContext,
  client: ElastiCacheClient,
  arn: string | undefined,
): Promise<Tags> {
  if (!wantsTags(context)) return {};
  const resource = required(arn, 'elasticache:DescribeCacheClusters', 'a cache cluster ARN');
  const answer = await client.send(new ListTagsForResourceCommand({ ResourceName: resource }), {
    abortSignal: context.signal,
  });
  return tagsFromList(answer.TagList);
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new ElastiCacheClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'elasticache', context);
  const pages = paginateDescribeCacheClusters(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const cluster of page.CacheClusters ?? []) {
      const tags = await tagsOf(context, client, cluster.ARN);
      const id = required(
        cluster.CacheClusterId,
        'elasticache:DescribeCacheClusters',
        'a CacheClusterId',
      );
      yield { id, tags, ...(withHealth && { health: judgeCacheCluster(cluster) }) };
    }
  }
}

/** elasticache inventories cache clusters and judges their status. */
export const elasticache = {
  name: 'elasticache',
  scope: 'regional',
  taggable: true,
  healthRule: 'Cache cluster available (or modifying, snapshotting, rebooting cluster nodes).',
  iamActions: {
    health_check: ['elasticache:DescribeCacheClusters', 'elasticache:ListTagsForResource'],
    resource_list: ['elasticache:DescribeCacheClusters', 'elasticache:ListTagsForResource'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
