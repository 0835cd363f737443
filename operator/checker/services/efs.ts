// EFS file systems. Healthy means the life-cycle state is available (or updating).
import {
  EFSClient,
  paginateDescribeFileSystems,
  type FileSystemDescription,
} from '@aws-sdk/client-efs';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** judgeFileSystem keeps the EFS rule: available or updating. */
export function judgeFileSystem(fs: FileSystemDescription): Health {
  const state = fs.LifeCycleState ?? 'unknown';
  return judged(state, stateProblem('file system', fs.LifeCycleState, ['available', 'updating']));
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new EFSClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'elasticfilesystem', context);
  const pages = paginateDescribeFileSystems(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const fs of page.FileSystems ?? []) {
      const tags = tagsFromList(fs.Tags);
      yield {
        id: required(fs.FileSystemId, 'elasticfilesystem:DescribeFileSystems', 'a FileSystemId'),
        tags,
        ...(withHealth && { health: judgeFileSystem(fs) }),
      };
    }
  }
}

/** efs inventories file systems and judges their life-cycle state. */
export const efs = {
  name: 'efs',
  scope: 'regional',
  taggable: true,
  healthRule: 'File system available or updating.',
  iamActions: {
    health_check: ['elasticfilesystem:DescribeFileSystems'],
    resource_list: ['elasticfilesystem:DescribeFileSystems'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
