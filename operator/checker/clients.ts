// Making SDK clients for a run: the run's shared call limits (limits.ts: adaptive retry
// with few attempts, a bound on calls in flight), the run's credentials, and a middleware
// that classifies every failed call with its region and API call, so a module never
// handles errors itself. Every client is made as
//   const client = new XClient(clientConfig(context));
//   classifyErrors(client.middlewareStack, 'x', context);
// @smithy/types is the SDK's own type package (every client depends on it); only its
// types are used, so nothing of it is loaded at run time.
import type { HttpRequest, HttpResponse, MiddlewareStack, RetryStrategyV2 } from '@smithy/types';
import { checkAnswer } from './aws-answer.ts';
import { classify } from './errors.ts';
import type { AwsCredentials, CredentialProvider, ScanContext } from './service.ts';

/** DEFAULT_REQUEST_TIMEOUT_MS bounds one HTTP attempt; a hung answer fails as TimeoutError. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** ClientConfig is the configuration every checker client is made with. */
export interface ClientConfig {
  readonly region: string;
  readonly maxAttempts: number;
  /** One instance for every client of the run (CallLimits.retryStrategy). */
  readonly retryStrategy: RetryStrategyV2;
  readonly credentials?: AwsCredentials | CredentialProvider;
  readonly endpoint?: string;
  readonly requestHandler: {
    readonly connectionTimeout: number;
    readonly requestTimeout: number;
    readonly throwOnRequestTimeout: true;
  };
}

/**
 * clientConfig is the one place SDK settings are chosen. Endpoints come from the SDK's own
 * AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> unless a test sets one explicitly.
 */
export function clientConfig(context: Pick<ScanContext, 'region' | 'settings'>): ClientConfig {
  const { settings } = context;
  return {
    region: context.region,
    maxAttempts: settings.limits.maxAttempts,
    retryStrategy: settings.limits.retryStrategy,
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
    ...(settings.credentials && { credentials: settings.credentials }),
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
  };
}

const operationOf = (iamPrefix: string, commandName: string | undefined): string =>
  `${iamPrefix}:${(commandName ?? 'Unknown').replace(/Command$/, '')}`;

function isHttpResponse(response: unknown): response is HttpResponse {
  return typeof response === 'object' && response !== null && 'statusCode' in response;
}

/**
 * classifyErrors makes every error a client throws after the SDK's retries a
 * CheckerError naming the region and the call as `iamPrefix:Operation`. An abort of the
 * run passes through unchanged for the runner to recognise. It also refuses, before the
 * SDK parses it, any successful answer that is not a well-formed AWS answer
 * (aws-answer.ts), and holds every HTTP attempt to the run's bound on calls in flight
 * (CallLimits.inFlight). Call it once per new client.
 */
export function classifyErrors<I extends object, O extends object>(
  stack: MiddlewareStack<I, O>,
  iamPrefix: string,
  context: Pick<ScanContext, 'region' | 'signal' | 'settings'>,
): void {
  stack.add(
    (next, middlewareContext) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (context.signal.aborted) throw error;
        const operation = operationOf(iamPrefix, middlewareContext.commandName);
        throw classify(error, { region: context.region, operation });
      }
    },
    { step: 'initialize', name: 'awscheckClassifyErrors' },
  );
  // Innermost in the deserialize step: it sees the raw answer before the SDK's parser.
  // One attempt holds a slot of the run's in-flight bound from sending until its body is
  // read; retry back-off, the rate limiter's wait and signing (which may renew the
  // session through STS) all happen outside, so a slot is never held while waiting.
  const { inFlight } = context.settings.limits;
  stack.add(
    (next, middlewareContext) => (args) =>
      inFlight(async () => {
        context.signal.throwIfAborted();
        const answer = await next(args);
        if (isHttpResponse(answer.response)) {
          const head = (args.request as Partial<HttpRequest> | undefined)?.method === 'HEAD';
          const operation = operationOf(iamPrefix, middlewareContext.commandName);
          await checkAnswer(answer.response, head, operation);
        }
        return answer;
      }),
    { step: 'deserialize', priority: 'low', name: 'awscheckAwsAnswer' },
  );
}
