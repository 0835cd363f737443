// Lightsail instances. Healthy means the instance is running. moto does not emulate
// Lightsail, so this module is tested with aws-sdk-client-mock (lightsail.test.ts)
// rather than against an emulator.
import { GetInstancesCommand, LightsailClient, type Instance } from '@aws-sdk/client-lightsail';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';

/** judgeLightsailInstance keeps the Lightsail rule: running. */
export function judgeLightsailInstance(instance: Instance): Health {
  const state = instance.state?.name ?? 'unknown';
  return judged(state, stateProblem('instance', instance.state?.name, ['running']));
}

// GetInstances pages with pageToken and has no SDK paginator.
async function* instances(context: ScanContext): AsyncIterable<Instance> {
  const client = new LightsailClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'lightsail', context);
  let pageToken: string | undefined;
  do {
    const page = await client.send(new GetInstancesCommand({ pageToken }), {
      abortSignal: context.signal,
    });
    yield* page.instances ?? [];
    pageToken = page.nextPageToken;
  } while (pageToken);
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  for await (const instance of instances(context)) {
    const tags: Record<string, string> = {};
    for (const tag of instance.tags ?? []) if (tag.key) tags[tag.key] = tag.value ?? '';
    const id = required(instance.name, 'lightsail:GetInstances', 'an instance name');
    yield { id, tags, ...(withHealth && { health: judgeLightsailInstance(instance) }) };
  }
}

/** lightsail inventories instances and judges whether they run. */
export const lightsail = {
  name: 'lightsail',
  scope: 'regional',
  taggable: true,
  healthRule: 'Instance running.',
  iamActions: {
    health_check: ['lightsail:GetInstances'],
    resource_list: ['lightsail:GetInstances'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
