// Kinesis data streams. Healthy means the stream is ACTIVE or UPDATING (still serving
// reads and writes while it resizes).
import {
  KinesisClient,
  ListTagsForStreamCommand,
  paginateListStreams,
  type StreamSummary,
} from '@aws-sdk/client-kinesis';
import { classifyErrors, clientConfig } from '../clients.ts';
import { required } from '../errors.ts';
import { judged, stateProblem } from '../health.ts';
import { Http1Handler } from '../http1.ts';
import {
  wantsTags,
  type Health,
  type Observed,
  type ScanContext,
  type ServiceModule,
  type Tags,
} from '../service.ts';
import { tagsFromList } from '../tags.ts';

/** judgeStream keeps the Kinesis rule: ACTIVE or UPDATING. */
export function judgeStream(stream: StreamSummary): Health {
  const state = stream.StreamStatus ?? 'unknown';
  return judged(state, stateProblem('stream', stream.StreamStatus, ['ACTIVE', 'UPDATING']));
}

// ListTagsForStream pages with ExclusiveStartTagKey and has no SDK paginator.
async function tagsOf(context: ScanContext, client: KinesisClient, name: string): Promise<Tags> {
  if (!wantsTags(context)) return {};
  const tags: Record<string, string> = {};
  let ExclusiveStartTagKey: string | undefined;
  let more = true;
  while (more) {
    const page = await client.send(
      new ListTagsForStreamCommand({ StreamName: name, ExclusiveStartTagKey }),
      {
        abortSignal: context.signal,
      },
    );
    Object.assign(tags, tagsFromList(page.Tags));
    ExclusiveStartTagKey = page.Tags?.at(-1)?.Key;
    more = page.HasMoreTags === true && ExclusiveStartTagKey !== undefined;
  }
  return tags;
}

async function* scan(context: ScanContext, withHealth: boolean): AsyncIterable<Observed> {
  // Kinesis defaults to HTTP/2; its list calls are served over HTTP/1.1 everywhere.
  const config = clientConfig(context);
  const client = new KinesisClient({
    ...config,
    requestHandler: new Http1Handler(config.requestHandler.requestTimeout),
  });
  classifyErrors(client.middlewareStack, 'kinesis', context);
  const pages = paginateListStreams({ client, pageSize: 100 }, {}, { abortSignal: context.signal });
  for await (const page of pages) {
    for (const stream of page.StreamSummaries ?? []) {
      const id = required(stream.StreamName, 'kinesis:ListStreams', 'a StreamName');
      const tags = await tagsOf(context, client, id);
      yield { id, tags, ...(withHealth && { health: judgeStream(stream) }) };
    }
  }
}

/** kinesis inventories data streams and judges their status. */
export const kinesis = {
  name: 'kinesis',
  scope: 'regional',
  taggable: true,
  healthRule: 'Stream ACTIVE or UPDATING.',
  iamActions: {
    health_check: ['kinesis:ListStreams', 'kinesis:ListTagsForStream'],
    resource_list: ['kinesis:ListStreams', 'kinesis:ListTagsForStream'],
  },
  healthCheck: (context) => scan(context, true),
  resourceList: (context) => scan(context, false),
} as const satisfies ServiceModule;
