// EC2 instances. Healthy means: running, instance status and system status not impaired,
// and no scheduled event (reboot, retirement, maintenance) still pending. Terminated
// instances are gone and are not counted.
import { createRequire } from 'node:module';
import type * as Ec2Sdk from '@aws-sdk/client-ec2';
import type {
  DescribeInstanceStatusCommandOutput,
  DescribeInstancesCommandOutput,
  Instance,
  InstanceStatus,
} from '@aws-sdk/client-ec2';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { readSuccessFast } from '../fast-answer.ts';
import { judged, stateProblem } from '../health.ts';
import {
  wantsTags,
  type Health,
  type Observed,
  type ScanContext,
  type ServiceModule,
} from '../service.ts';
import { ec2TagFilters, tagsFromList } from '../tags.ts';
import { readStatusIds } from './ec2-status-ids.ts';

// The SDK's CommonJS build, required rather than imported: importing a package that
// declares no module type from an ES module makes Node parse the client's 2 MB bundle an
// extra time only to detect its format (30-60 ms of every EC2 run, measured on a
// shared 2-core machine).
const { EC2Client, paginateDescribeInstanceStatus, paginateDescribeInstances } = createRequire(
  import.meta.url,
)('@aws-sdk/client-ec2') as typeof Ec2Sdk;
type EC2Client = Ec2Sdk.EC2Client;

const LIVE_STATES = ['pending', 'running', 'shutting-down', 'stopping', 'stopped'];
const STATUS_BATCH = 100;

/** scheduledEventProblems lists events not yet completed or canceled (AWS marks those in the description). */
export function scheduledEventProblems(status: InstanceStatus | undefined): string[] {
  return (status?.Events ?? [])
    .filter((event) => !/^\[(Completed|Canceled)\]/.test(event.Description ?? ''))
    .map((event) => {
      const due = event.NotBefore ? ` from ${event.NotBefore.toISOString()}` : '';
      return `scheduled ${event.Code ?? 'event'}${due}: ${event.Description ?? ''}`.trim();
    });
}

function statusProblems(what: string, status: string | undefined): string[] {
  if (status === 'impaired') return [`${what} status is impaired`];
  if (status === 'insufficient-data') return [`${what} status has insufficient data`];
  return [];
}

/**
 * judgeInstance keeps the EC2 rule: running, instance and system status not impaired,
 * no pending scheduled events. A running instance without status is still initialising
 * and judged on its state alone.
 */
export function judgeInstance(
  instance: Pick<Instance, 'State'>,
  status: InstanceStatus | undefined,
): Health {
  const state = instance.State?.Name ?? 'unknown';
  const problems = [
    ...stateProblem('instance', state, ['running']),
    ...statusProblems('instance', status?.InstanceStatus?.Status),
    ...statusProblems('system', status?.SystemStatus?.Status),
    ...scheduledEventProblems(status),
  ];
  return judged(state, problems);
}

type InstancePage = Pick<DescribeInstancesCommandOutput, 'Reservations'>;

function instancePages(context: ScanContext, client: EC2Client): AsyncIterable<InstancePage> {
  const Filters = [
    { Name: 'instance-state-name', Values: LIVE_STATES },
    ...ec2TagFilters(context.tags),
  ];
  return paginateDescribeInstances(
    { client, pageSize: 1000 },
    { Filters },
    { abortSignal: context.signal },
  );
}

function pageInstances(page: InstancePage): Instance[] {
  return (page.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
}

function toObserved(instance: Instance, health?: Health): Observed {
  const id = required(instance.InstanceId, 'ec2:DescribeInstances', 'an InstanceId');
  return { id, tags: tagsFromList(instance.Tags), ...(health && { health }) };
}

function makeClient(context: ScanContext): EC2Client {
  const client = new EC2Client(clientConfig(context));
  classifyErrors(client.middlewareStack, 'ec2', context);
  return client;
}

/** statusIdsOnly is a DescribeInstanceStatus page as the fast reader gives it: ids and the token. */
function statusIdsOnly(
  body: string,
): Pick<DescribeInstanceStatusCommandOutput, 'InstanceStatuses' | 'NextToken' | '$metadata'> {
  const { instanceIds, nextToken } = readStatusIds(body);
  return {
    $metadata: {},
    InstanceStatuses: instanceIds.map((InstanceId) => ({ InstanceId })),
    ...(nextToken !== undefined && { NextToken: nextToken }),
  };
}

// An inventory without a tag filter needs only the ids: its client reads
// DescribeInstanceStatus answers with the fast reader (ec2-status-ids.ts), which is exact
// or fails the run. A health check keeps the SDK's full decode.
function makeIdsClient(context: ScanContext): EC2Client {
  const client = makeClient(context);
  readSuccessFast(client.middlewareStack, {
    commandName: 'DescribeInstanceStatusCommand',
    operation: 'ec2:DescribeInstanceStatus',
    read: statusIdsOnly,
  });
  return client;
}

// allStatuses pages through DescribeInstanceStatus for every live instance: state,
// status checks and events in one small answer per 1,000 instances, without the full
// instance descriptions DescribeInstances carries.
function allStatuses(
  context: ScanContext,
  client: EC2Client,
): AsyncIterable<Pick<DescribeInstanceStatusCommandOutput, 'InstanceStatuses'>> {
  return paginateDescribeInstanceStatus(
    { client, pageSize: 1000 },
    { IncludeAllInstances: true, Filters: [{ Name: 'instance-state-name', Values: LIVE_STATES }] },
    { abortSignal: context.signal },
  );
}

/** judgeStatus judges an instance from its DescribeInstanceStatus entry alone. */
export function judgeStatus(status: InstanceStatus): Health {
  return judgeInstance({ State: status.InstanceState }, status);
}

// Without a tag filter, an inventory needs ids only and a health check needs statuses
// only: both come from DescribeInstanceStatus. With a tag filter, DescribeInstances
// selects the instances server-side and their statuses follow in batches.
async function* statusScan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = withHealth ? makeClient(context) : makeIdsClient(context);
  for await (const page of allStatuses(context, client)) {
    for (const status of page.InstanceStatuses ?? []) {
      const id = required(status.InstanceId, 'ec2:DescribeInstanceStatus', 'an InstanceId');
      yield { id, tags: {}, ...(withHealth && { health: judgeStatus(status) }) };
    }
  }
}

async function* listInstances(context: ScanContext): AsyncIterable<Observed> {
  if (!wantsTags(context)) {
    yield* statusScan(context, false);
    return;
  }
  for await (const page of instancePages(context, makeClient(context))) {
    for (const instance of pageInstances(page)) yield toObserved(instance);
  }
}

async function statusesOf(
  context: ScanContext,
  client: EC2Client,
  ids: string[],
): Promise<Map<string, InstanceStatus>> {
  const statuses = new Map<string, InstanceStatus>();
  const pages = paginateDescribeInstanceStatus(
    { client },
    { InstanceIds: ids, IncludeAllInstances: true },
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const status of page.InstanceStatuses ?? []) {
      statuses.set(
        required(status.InstanceId, 'ec2:DescribeInstanceStatus', 'an InstanceId'),
        status,
      );
    }
  }
  return statuses;
}

async function* checkTaggedInstances(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const page of instancePages(context, client)) {
    const instances = pageInstances(page);
    for (let start = 0; start < instances.length; start += STATUS_BATCH) {
      const batch = instances.slice(start, start + STATUS_BATCH);
      const ids = batch.map((instance) =>
        required(instance.InstanceId, 'ec2:DescribeInstances', 'an InstanceId'),
      );
      const statuses = await statusesOf(context, client, ids);
      for (const [at, instance] of batch.entries()) {
        yield toObserved(instance, judgeInstance(instance, statuses.get(ids[at] ?? '')));
      }
    }
  }
}

function checkInstances(context: ScanContext): AsyncIterable<Observed> {
  return wantsTags(context) ? checkTaggedInstances(context) : statusScan(context, true);
}

/** ec2 inventories instances and judges their state, status checks and scheduled events. */
export const ec2 = {
  name: 'ec2',
  scope: 'regional',
  healthRule:
    'Instance running, instance and system status checks not impaired, no scheduled event pending; terminated instances are not counted.',
  taggable: true,
  iamActions: {
    health_check: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
    resource_list: ['ec2:DescribeInstances', 'ec2:DescribeInstanceStatus'],
  },
  healthCheck: checkInstances,
  resourceList: listInstances,
} as const satisfies ServiceModule;
