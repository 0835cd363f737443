// Athena workgroups. Healthy means the workgroup is ENABLED. Workgroups are listed
// without their ARNs, so a tag filter is refused rather than guessed.
import {
  AthenaClient,
  paginateListWorkGroups,
  type WorkGroupSummary,
} from '@aws-sdk/client-athena';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';

/** judgeWorkGroup keeps the Athena rule: ENABLED. */
export function judgeWorkGroup(group: WorkGroupSummary): Health {
  const state = group.State ?? 'unknown';
  return judged(state, stateProblem('workgroup', group.State, ['ENABLED']));
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new AthenaClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'athena', context);
  const pages = paginateListWorkGroups(
    { client, pageSize: 50 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const group of page.WorkGroups ?? []) {
      yield {
        id: required(group.Name, 'athena:ListWorkGroups', 'a workgroup Name'),
        tags: {},
        ...(withHealth && { health: judgeWorkGroup(group) }),
      };
    }
  }
}

/** athena inventories workgroups and judges whether they are enabled. */
export const athena = {
  name: 'athena',
  scope: 'regional',
  taggable: false,
  healthRule: 'Workgroup ENABLED.',
  iamActions: { health_check: ['athena:ListWorkGroups'], resource_list: ['athena:ListWorkGroups'] },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
