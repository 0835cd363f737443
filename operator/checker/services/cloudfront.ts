// CloudFront distributions (global). Healthy means the distribution is enabled and
// Deployed or InProgress (still serving while a change propagates).
import {
  CloudFrontClient,
  ListTagsForResourceCommand,
  paginateListDistributions,
  type DistributionSummary,
} from '@aws-sdk/client-cloudfront';
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

/** judgeDistribution keeps the CloudFront rule: enabled, Deployed or InProgress. */
export function judgeDistribution(distribution: DistributionSummary): Health {
  const state = distribution.Status ?? 'unknown';
  const disabled = distribution.Enabled === false ? ['distribution is disabled'] : [];
  return judged(state, [
    ...stateProblem('distribution', distribution.Status, ['Deployed', 'InProgress']),
    ...disabled,
  ]);
}

async function tagsOf(
  context: ScanContext,
  client: CloudFrontClient,
  arn: string | undefined,
): Promise<Tags> {
  if (!wantsTags(context)) return {};
  const resource = required(arn, 'cloudfront:ListDistributions', 'a distribution ARN');
  const answer = await client.send(new ListTagsForResourceCommand({ Resource: resource }), {
    abortSignal: context.signal,
  });
  return tagsFromList(answer.Tags?.Items);
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new CloudFrontClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'cloudfront', context);
  const pages = paginateListDistributions(
    { client, pageSize: 100 },
    {},
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const distribution of page.DistributionList?.Items ?? []) {
      const tags = await tagsOf(context, client, distribution.ARN);
      const id = required(distribution.Id, 'cloudfront:ListDistributions', 'a distribution Id');
      yield { id, tags, ...(withHealth && { health: judgeDistribution(distribution) }) };
    }
  }
}

/** cloudfront inventories distributions and judges whether they serve. */
export const cloudfront = {
  name: 'cloudfront',
  scope: 'global',
  taggable: true,
  healthRule: 'Distribution enabled and Deployed (or InProgress while a change propagates).',
  iamActions: {
    health_check: ['cloudfront:ListDistributions', 'cloudfront:ListTagsForResource'],
    resource_list: ['cloudfront:ListDistributions', 'cloudfront:ListTagsForResource'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
