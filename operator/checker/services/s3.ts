// S3 buckets, listed per region (ListBuckets with BucketRegion). S3 reports no health
// state of its own for a bucket: healthy means the bucket answers HeadBucket in its region.
import {
  GetBucketTaggingCommand,
  HeadBucketCommand,
  paginateListBuckets,
  S3Client,
} from '@aws-sdk/client-s3';
import { classifyErrors, clientConfig } from '../clients.ts';
import { CheckerError, required } from '../errors.ts';
import { judged } from '../health.ts';
import {
  wantsTags,
  type Observed,
  type ScanContext,
  type ServiceModule,
  type Tags,
} from '../service.ts';
import { tagsFromList } from '../tags.ts';

function makeClient(context: ScanContext): S3Client {
  const client = new S3Client({ ...clientConfig(context), forcePathStyle: true });
  classifyErrors(client.middlewareStack, 's3', context);
  return client;
}

async function* bucketNames(context: ScanContext, client: S3Client): AsyncIterable<string> {
  const pages = paginateListBuckets(
    { client, pageSize: 1000 },
    { BucketRegion: context.region },
    { abortSignal: context.signal },
  );
  for await (const page of pages) {
    for (const bucket of page.Buckets ?? [])
      yield required(bucket.Name, 's3:ListBuckets', 'a bucket Name');
  }
}

// A bucket without tags answers GetBucketTagging with NoSuchTagSet: that is its tag set.
async function tagsOf(context: ScanContext, client: S3Client, bucket: string): Promise<Tags> {
  try {
    const answer = await client.send(new GetBucketTaggingCommand({ Bucket: bucket }), {
      abortSignal: context.signal,
    });
    return tagsFromList(answer.TagSet);
  } catch (error) {
    if (error instanceof CheckerError && error.detail.code === 'NoSuchTagSet') return {};
    throw error;
  }
}

async function* listBuckets(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const name of bucketNames(context, client)) {
    yield { id: name, tags: wantsTags(context) ? await tagsOf(context, client, name) : {} };
  }
}

async function* checkBuckets(context: ScanContext): AsyncIterable<Observed> {
  const client = makeClient(context);
  for await (const name of bucketNames(context, client)) {
    await client.send(new HeadBucketCommand({ Bucket: name }), { abortSignal: context.signal });
    const tags = wantsTags(context) ? await tagsOf(context, client, name) : {};
    yield { id: name, tags, health: judged('answering', []) };
  }
}

/** s3 inventories buckets per region and checks each answers. */
export const s3 = {
  name: 's3',
  scope: 'regional',
  taggable: true,
  healthRule:
    'S3 reports no bucket health; healthy means the bucket answers HeadBucket in its region.',
  iamActions: {
    health_check: ['s3:ListAllMyBuckets', 's3:ListBucket', 's3:GetBucketTagging'],
    resource_list: ['s3:ListAllMyBuckets', 's3:GetBucketTagging'],
  },
  healthCheck: checkBuckets,
  resourceList: listBuckets,
} as const satisfies ServiceModule;
