// RDS DB instances. Healthy means the instance's status is one in which it serves
// (available, or a maintenance state such as backing-up or modifying); failed,
// incompatible, inaccessible, storage-full, stopped and similar states are unhealthy.
import { paginateDescribeDBInstances, RDSClient, type DBInstance } from '@aws-sdk/client-rds';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** SERVING_STATES are the RDS statuses in which an instance answers its clients. */
export const SERVING_STATES = [
  'available',
  'backing-up',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'maintenance',
  'modifying',
  'renaming',
  'resetting-master-credentials',
  'storage-config-upgrade',
  'storage-initialization',
  'storage-optimization',
  'upgrading',
];

/** judgeDbInstance keeps the RDS rule: a serving status. */
export function judgeDbInstance(instance: DBInstance): Health {
  const state = instance.DBInstanceStatus ?? 'unknown';
  return judged(state, stateProblem('DB instance', instance.DBInstanceStatus, SERVING_STATES));
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new RDSClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'rds', context);
  const pages = paginateDescribeDBInstances(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const instance of page.DBInstances ?? []) {
      const id = required(
        instance.DBInstanceIdentifier,
        'rds:DescribeDBInstances',
        'a DBInstanceIdentifier',
      );
      const tags = tagsFromList(instance.TagList);
      yield { id, tags, ...(withHealth && { health: judgeDbInstance(instance) }) };
    }
  }
}

/** rds inventories DB instances and judges their status. */
export const rds = {
  name: 'rds',
  scope: 'regional',
  taggable: true,
  healthRule:
    'DB instance in a serving status (available, backing-up, modifying, maintenance, …); failed, incompatible, inaccessible, storage-full and stopped states are unhealthy.',
  iamActions: {
    health_check: ['rds:DescribeDBInstances'],
    resource_list: ['rds:DescribeDBInstances'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
