// Redshift provisioned clusters. Healthy means the cluster status is available and its
// availability status is Available or Maintenance (not Unavailable or Failed).
import { paginateDescribeClusters, RedshiftClient, type Cluster } from '@aws-sdk/client-redshift';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** judgeRedshiftCluster keeps the Redshift rule: available, and Available or Maintenance. */
export function judgeRedshiftCluster(cluster: Cluster): Health {
  const state = cluster.ClusterStatus ?? 'unknown';
  const availability =
    cluster.ClusterAvailabilityStatus === undefined
      ? []
      : stateProblem('availability', cluster.ClusterAvailabilityStatus, [
          'Available',
          'Maintenance',
        ]);
  return judged(state, [
    ...stateProblem('cluster', cluster.ClusterStatus, ['available']),
    ...availability,
  ]);
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new RedshiftClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'redshift', context);
  const pages = paginateDescribeClusters(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const cluster of page.Clusters ?? []) {
      const tags = tagsFromList(cluster.Tags);
      const id = required(
        cluster.ClusterIdentifier,
        'redshift:DescribeClusters',
        'a ClusterIdentifier',
      );
      yield { id, tags, ...(withHealth && { health: judgeRedshiftCluster(cluster) }) };
    }
  }
}

/** redshift inventories clusters and judges their status and availability. */
export const redshift = {
  name: 'redshift',
  scope: 'regional',
  taggable: true,
  healthRule: 'Cluster available, with availability Available or Maintenance.',
  iamActions: {
    health_check: ['redshift:DescribeClusters'],
    resource_list: ['redshift:DescribeClusters'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
