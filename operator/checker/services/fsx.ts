// FSx file systems. Healthy means the lifecycle is AVAILABLE or UPDATING; FAILED,
// MISCONFIGURED and MISCONFIGURED_UNAVAILABLE (and creating or deleting) are not.
import { FSxClient, paginateDescribeFileSystems, type FileSystem } from '@aws-sdk/client-fsx';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** judgeFsx keeps the FSx rule: AVAILABLE or UPDATING, with AWS's failure detail when failed. */
export function judgeFsx(fs: FileSystem): Health {
  const state = fs.Lifecycle ?? 'unknown';
  const detail = fs.FailureDetails?.Message ? [fs.FailureDetails.Message] : [];
  return judged(state, [
    ...stateProblem('file system', fs.Lifecycle, ['AVAILABLE', 'UPDATING']),
    ...detail,
  ]);
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new FSxClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'fsx', context);
  const pages = paginateDescribeFileSystems(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const fs of page.FileSystems ?? []) {
      const tags = tagsFromList(fs.Tags);
      const id = required(fs.FileSystemId, 'fsx:DescribeFileSystems', 'a FileSystemId');
      yield { id, tags, ...(withHealth && { health: judgeFsx(fs) }) };
    }
  }
}

/** fsx inventories file systems and judges their lifecycle. */
export const fsx = {
  name: 'fsx',
  scope: 'regional',
  taggable: true,
  healthRule: 'File system AVAILABLE or UPDATING; FAILED and MISCONFIGURED states are unhealthy.',
  iamActions: {
    health_check: ['fsx:DescribeFileSystems'],
    resource_list: ['fsx:DescribeFileSystems'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
