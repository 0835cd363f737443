// Reading one command's successful answers with a reader of our own instead of the SDK's
// parser, where a large listing needs only a little of each answer (EC2 inventory: the
// ids). Everything else stays the SDK's: signing, retries, the request, and errors —
// a non-2xx answer still goes through the SDK's own error de-serialisation and the one
// classification table. Only a 2xx answer that already passed the AWS-answer check
// (aws-answer.ts) is read, and the reader is exact or fails the run: what it cannot read
// completely is ServiceError UnparseableAnswer or IncompleteAnswer, never fewer items.
//
// How it skips the SDK's parser without removing it: the reader sits inside the SDK's
// deserializer (just outside the AWS-answer check) and hands its output past it in a
// FastOutput, which a middleware outside the deserializer turns back into the result.
// The SDK's deserializer only re-throws what comes from inside it.
import type {
  DeserializeMiddleware,
  HttpResponse,
  MiddlewareStack,
  ResponseMetadata,
} from '@smithy/types';
import { CheckerError } from './errors.ts';

/** FastReadError is what a reader throws for an answer it cannot read exactly. */
export interface FastReadError extends Error {
  readonly code: 'UnparseableAnswer' | 'IncompleteAnswer';
}

/** FastReader reads the body of a successful answer, or throws a FastReadError. */
export type FastReader<O> = (body: string) => O;

// Carries the reader's output from inside the SDK's deserializer to outside it. It has
// $metadata, so the deserializer re-throws it untouched (it decorates only errors without).
// It is never seen outside the deserialize step.
class FastOutput extends Error {
  override readonly name = 'FastOutput';
  readonly $metadata: ResponseMetadata;
  readonly output: object;
  readonly response: HttpResponse;

  constructor(output: object, response: HttpResponse) {
    super('a successful answer read by a fast reader');
    this.$metadata = metadataOf(response);
    this.output = { ...output, $metadata: this.$metadata };
    this.response = response;
  }
}

const REQUEST_ID = /^x-amzn?-request-?id$/i;

function requestIdOf(response: HttpResponse): string | undefined {
  return Object.entries(response.headers).find(([name]) => REQUEST_ID.test(name))?.[1];
}

function metadataOf(response: HttpResponse): ResponseMetadata {
  const requestId = requestIdOf(response);
  return { httpStatusCode: response.statusCode, ...(requestId !== undefined && { requestId }) };
}

function isHttpResponse(response: unknown): response is HttpResponse {
  return typeof response === 'object' && response !== null && 'statusCode' in response;
}

function isFastReadError(error: unknown): error is FastReadError {
  return (
    error instanceof Error &&
    'code' in error &&
    (error.code === 'UnparseableAnswer' || error.code === 'IncompleteAnswer')
  );
}

// readFast runs the reader on a successful answer's body (aws-answer.ts has read it into
// memory), turning its refusal into the checker's error with the answer's evidence.
function readFast<O extends object>(
  response: HttpResponse,
  read: FastReader<O>,
  operation: string,
): FastOutput {
  const body = response.body as unknown;
  if (!(body instanceof Uint8Array))
    throw new Error('fast reader: the answer was not read into memory');
  try {
    return new FastOutput(read(new TextDecoder().decode(body)), response);
  } catch (error) {
    if (!isFastReadError(error)) throw error;
    const unparsed =
      error.code === 'UnparseableAnswer' ? ' (the answer was not in the API’s format)' : '';
    const requestId = requestIdOf(response);
    throw new CheckerError(
      {
        category: 'ServiceError',
        code: error.code,
        message: `${error.message}${unparsed}`,
        operation,
        httpStatus: response.statusCode,
        ...(requestId !== undefined && { requestId }),
      },
      { cause: error },
    );
  }
}

/** FastAnswer names the command whose successful answers a reader reads, and the call's IAM name. */
export interface FastAnswer<O> {
  /** The SDK's command name, e.g. DescribeInstanceStatusCommand. */
  readonly commandName: string;
  /** The call as `service:Operation`, as errors name it. */
  readonly operation: string;
  readonly read: FastReader<O>;
}

/**
 * readSuccessFast makes a client read `commandName`'s successful answers with `read`
 * instead of the SDK's parser; other commands and every error answer are the SDK's.
 * Call it after classifyErrors (clients.ts), whose AWS-answer check it relies on.
 */
export function readSuccessFast<I extends object, O extends object, R extends O>(
  stack: MiddlewareStack<I, O>,
  fast: FastAnswer<R>,
): void {
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (carried) {
        if (!(carried instanceof FastOutput) || context.commandName !== fast.commandName)
          throw carried;
        return { response: carried.response, output: carried.output as R };
      }
    },
    { step: 'deserialize', priority: 'high', name: 'awscheckFastAnswerResult' },
  );
  const reader: DeserializeMiddleware<I, O> = (next, context) => async (args) => {
    const answer = await next(args);
    const { response } = answer;
    if (context.commandName !== fast.commandName || !isHttpResponse(response)) return answer;
    if (response.statusCode < 200 || response.statusCode > 299) return answer;
    throw readFast(response, fast.read, fast.operation);
  };
  stack.addRelativeTo(reader, {
    relation: 'before',
    toMiddleware: 'awscheckAwsAnswer',
    name: 'awscheckFastAnswerRead',
  });
}
