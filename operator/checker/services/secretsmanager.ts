// Secrets Manager secrets. Healthy means the secret is not scheduled for deletion and,
// when rotation is on, its next rotation is not overdue.
import {
  paginateListSecrets,
  SecretsManagerClient,
  type SecretListEntry,
} from '@aws-sdk/client-secrets-manager';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged } from '../health.ts';
import type { Health, Observed, ScanContext, ServiceModule } from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** judgeSecret keeps the Secrets Manager rule at `now`: not being deleted, rotation not overdue. */
export function judgeSecret(secret: SecretListEntry, now: Date): Health {
  const deleting = secret.DeletedDate
    ? [`scheduled for deletion since ${secret.DeletedDate.toISOString()}`]
    : [];
  const next = secret.NextRotationDate;
  const overdue =
    secret.RotationEnabled === true && next !== undefined && next.getTime() < now.getTime()
      ? [`rotation overdue since ${next.toISOString()}`]
      : [];
  const state = secret.DeletedDate ? 'deleting' : secret.RotationEnabled ? 'rotating' : 'static';
  return judged(state, [...deleting, ...overdue]);
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  const client = new SecretsManagerClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'secretsmanager', context);
  const pages = paginateListSecrets(
    { client, pageSize: 100 },
    { IncludePlannedDeletion: true },
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const secret of page.SecretList ?? []) {
      const tags = tagsFromList(secret.Tags);
      yield {
        id: required(secret.Name, 'secretsmanager:ListSecrets', 'a secret Name'),
        tags,
        ...(withHealth && { health: judgeSecret(secret, new Date()) }),
      };
    }
  }
}

/** secretsmanager inventories secrets and judges deletion and rotation. */
export const secretsmanager = {
  name: 'secretsmanager',
  scope: 'regional',
  taggable: true,
  healthRule: 'Secret not scheduled for deletion, and its rotation (when enabled) not overdue.',
  iamActions: {
    health_check: ['secretsmanager:ListSecrets'],
    resource_list: ['secretsmanager:ListSecrets'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
