// IAM users (global). Healthy means no active access key is older than 90 days: a key
// that is never rotated is the IAM user's own failure mode.
import {
  IAMClient,
  paginateListAccessKeys,
  paginateListUsers,
  paginateListUserTags,
  type AccessKeyMetadata,
} from '@aws-sdk/client-iam';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged } from '../health.ts';
import {
  wantsTags,
  type Health,
  type Observed,
  type ScanContext,
  type ServiceModule,
  type Tags,
} from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** MAX_KEY_AGE_DAYS is how old an active access key may be. */
export const MAX_KEY_AGE_DAYS = 90;
const DAY_MS = 86_400_000;

/**
 * judgeUser keeps the IAM rule: every active access key younger than MAX_KEY_AGE_DAYS at
 * `now`. A key is named by its creation date, never by its access key id: findings reach
 * status, Events and logs, and a key id is half of a credential.
 */
export function judgeUser(keys: readonly AccessKeyMetadata[], now: Date): Health {
  const stale = keys
    .flatMap((key) =>
      key.Status === 'Active' && key.CreateDate !== undefined ? [key.CreateDate] : [],
    )
    .map((created) => ({ created, days: Math.floor((now.getTime() - created.getTime()) / DAY_MS) }))
    .filter((key) => key.days > MAX_KEY_AGE_DAYS)
    .map(
      (key) =>
        `the active access key created ${key.created.toISOString().slice(0, 10)} is ${key.days} days old (rotate within ${MAX_KEY_AGE_DAYS})`,
    );
  return judged(stale.length === 0 ? 'keys rotated' : 'keys stale', stale);
}

function makeClient(context: ScanContext): IAMClient {
  const client = new IAMClient(clientConfig(context));
  classifyErrors(client.middlewareStack, 'iam', context);
  return client;
}

async function tagsOf(context: ScanContext, client: IAMClient, user: string): Promise<Tags> {
  if (!wantsTags(context)) return {};
  const tags: Record<string, string> = {};
  const pages = paginateListUserTags(
    { client },
    { UserName: user },
    { abortSignal: context.signal },
  );
  for await (const page of pages) Object.assign(tags, tagsFromList(page.Tags));
  return tags;
}

async function keysOf(
  context: ScanContext,
  client: IAMClient,
  user: string,
): Promise<AccessKeyMetadata[]> {
  const keys: AccessKeyMetadata[] = [];
  const pages = paginateListAccessKeys(
    { client },
    { UserName: user },
    { abortSignal: context.signal },
  );
  for await (const page of pages) keys.push(...(page.AccessKeyMetadata ?? []));
  return keys;
}

async function* users(context: ScanContext, client: IAMClient): AsyncIterable<string> {
  const pages = paginateListUsers({ client, pageSize: 1000 }, {}, { abortSignal: context.signal });
  for await (const page of pages) {
    for (const user of page.Users ?? [])
      yield required(user.UserName, 'iam:ListUsers', 'a UserName');
  }
}

async function* listUsers(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const user of users(context, client))
    yield { id: user, tags: await tagsOf(context, client, user) };
}

async function* checkUsers(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const user of users(context, client)) {
    const health = judgeUser(await keysOf(context, client, user), new Date());
    yield { id: user, tags: await tagsOf(context, client, user), health };
  }
}

/** iam inventories users and judges their access-key rotation. */
export const iam = {
  name: 'iam',
  scope: 'global',
  taggable: true,
  healthRule: `IAM user with no active access key older than ${MAX_KEY_AGE_DAYS} days.`,
  iamActions: {
    health_check: ['iam:ListUsers', 'iam:ListAccessKeys', 'iam:ListUserTags'],
    resource_list: ['iam:ListUsers', 'iam:ListUserTags'],
  },
  healthCheck: checkUsers,
  resourceList: listUsers,
} as const satisfies ServiceModule;
