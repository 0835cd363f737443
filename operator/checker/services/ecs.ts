// ECS services, across every cluster of the region. Healthy means: the service is ACTIVE,
// runs at least as many tasks as it desires, and no deployment rollout has FAILED.
import {
  DescribeServicesCommand,
  ECSClient,
  paginateListClusters,
  paginateListServices,
  type Failure,
  type Service,
} from '@aws-sdk/client-ecs';
import { classifyErrors, clientConfig } from '../clients.ts';
import { CheckerError, required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';

const DESCRIBE_BATCH = 10;

/** judgeService keeps the ECS rule: ACTIVE, running ≥ desired, no failed rollout. */
export function judgeService(service: Service): Health {
  const state = service.status ?? 'unknown';
  const running = service.runningCount ?? 0;
  const desired = service.desiredCount ?? 0;
  const short = running < desired ? [`running ${running} of ${desired} desired tasks`] : [];
  const failed = (service.deployments ?? [])
    .filter((deployment) => deployment.rolloutState === 'FAILED')
    .map((deployment) =>
      `deployment ${deployment.id ?? '?'} failed: ${deployment.rolloutStateReason ?? ''}`.trim(),
    );
  return judged(state, [
    ...stateProblem('service', service.status, ['ACTIVE']),
    ...short,
    ...failed,
  ]);
}

function makeClient(context: ScanContext): ECSClient {
  const client = new ECSClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'ecs', context);
  return client;
}

async function* clusterArns(context: ScanContext, client: ECSClient): AsyncIterable<string> {
  const pages = paginateListClusters(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) yield* page.clusterArns ?? [];
}

// DescribeServices answers per service: a failure entry (MISSING, …) is a service the
// run could not see, so the run fails instead of counting fewer.
function refuseFailures(failures: readonly Failure[] | undefined): void {
  const failure = failures?.[0];
  if (!failure) return;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more)` : '';
  throw new CheckerError({
    category: 'ServiceError',
    code: 'DescribeFailure',
    message: `ecs:DescribeServices failed for ${failure.arn ?? 'a service'}: ${failure.reason ?? 'no reason given'}${failure.detail ? ` (${failure.detail})` : ''}${more}`,
    operation: 'ecs:DescribeServices',
  });
}

async function* services(context: ScanContext, client: ECSClient): AsyncIterable<Service> {
  for await (const cluster of clusterArns(context, client)) {
    const pages = paginateListServices(
      { client, pageSize: 100 },
      { cluster },
      { abortSignal: context.signal },
    );
    for await (const page of pages) {
      const arns = page.serviceArns ?? [];
      for (let start = 0; start < arns.length; start += DESCRIBE_BATCH) {
        const answer = await client.send(
          new DescribeServicesCommand({
            cluster,
            services: arns.slice(start, start + DESCRIBE_BATCH),
            include: ['TAGS'],
          }),
          { abortSignal: context.signal },
        );
        refuseFailures(answer.failures);
        yield* answer.services ?? [];
      }
    }
  }
}

function observe(service: Service, withHealth: boolean): Observed {
  const tags: Record<string, string> = {};
  for (const tag of service.tags ?? []) if (tag.key) tags[tag.key] = tag.value ?? '';
  const id = required(service.serviceArn, 'ecs:DescribeServices', 'a service’s serviceArn');
  return { id, tags, ...(withHealth && { health: judgeService(service) }) };
}

async function* listServices(context: ScanContext): AsyncIterable<Observed> {
  for await (const service of services(context, makeClient(context))) yield observe(service, false);
}

async function* checkServices(context: ScanContext): AsyncIterable<Observed> {
  for await (const service of services(context, makeClient(context))) yield observe(service, true);
}

/** ecs inventories services and judges running against desired tasks. */
export const ecs = {
  name: 'ecs',
  scope: 'regional',
  taggable: true,
  healthRule:
    'Service ACTIVE, running at least its desired task count, no deployment rollout FAILED.',
  iamActions: {
    health_check: ['ecs:ListClusters', 'ecs:ListServices', 'ecs:DescribeServices'],
    resource_list: ['ecs:ListClusters', 'ecs:ListServices', 'ecs:DescribeServices'],
  },
  healthCheck: checkServices,
  resourceList: listServices,
} as const satisfies ServiceModule;
