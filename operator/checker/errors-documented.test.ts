// The classification table held to what AWS documents, not to itself: every error the
// SDK's own service models declare for the clients the checker uses (their exception
// classes, with the HTTP status and fault the model gives them), the SDK's own
// throttling and transient rules (@smithy/core/retry), and the common errors of AWS's
// API references. Adding, removing or moving a name in errors.ts cannot make this pass
// unless AWS's documentation agrees.
import { isThrottlingError, isTransientError } from '@smithy/core/retry';
import { describe, expect, it } from 'vitest';
import type { ErrorCategory } from '../api/v1alpha1/reasons.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { classify } from './errors.ts';

type ErrorClass = new (options: {
  message: string;
  $metadata: { httpStatusCode: number };
}) => Error & { readonly $fault?: string };

interface Documented {
  readonly client: string;
  readonly name: string;
  readonly status: number;
  readonly fault: string;
  readonly error: Error;
}

// Every @aws-sdk/client-* the checker depends on (package.json), not a list of our own.
const CLIENTS = Object.keys(packageJson.dependencies).filter((name) =>
  name.startsWith('@aws-sdk/client-'),
);

// The error traits of a model's error schema: [kind, namespace, name, traits, …].
function traitsOf(schema: unknown): {
  error?: string;
  httpError?: number;
  awsQueryError?: unknown;
} {
  if (!Array.isArray(schema)) return {};
  const traits: unknown = schema[3];
  return typeof traits === 'object' && traits !== null ? traits : {};
}

function documentedStatus(traits: ReturnType<typeof traitsOf>, fault: string): number {
  const query: unknown = Array.isArray(traits.awsQueryError) ? traits.awsQueryError[1] : undefined;
  if (typeof query === 'number') return query;
  if (typeof traits.httpError === 'number') return traits.httpError;
  return fault === 'server' ? 500 : 400;
}

async function documentedErrors(client: string): Promise<Documented[]> {
  const module = (await import(client)) as Record<string, unknown>;
  const base = Object.entries(module).find(([key]) => key.endsWith('ServiceException'))?.[1];
  if (typeof base !== 'function') throw new Error(`${client} exports no ServiceException`);
  return Object.entries(module).flatMap(([key, value]) => {
    if (typeof value !== 'function' || !(value.prototype instanceof base)) return [];
    const probe = new (value as ErrorClass)({ message: 'probe', $metadata: { httpStatusCode: 0 } });
    const fault = probe.$fault ?? 'client';
    const status = documentedStatus(traitsOf(module[`${key}$`]), fault);
    const error = new (value as ErrorClass)({
      message: `${probe.name} documented`,
      $metadata: { httpStatusCode: status },
    });
    return [{ client, name: probe.name, status, fault, error }];
  });
}

const label = (entry: Documented): string =>
  `${entry.client} ${entry.name} (HTTP ${entry.status}, ${entry.fault})`;

const DOCUMENTED = (await Promise.all(CLIENTS.map(documentedErrors))).flat();

/**
 * documentedCategory is the category AWS's documentation gives an error, from the SDK's
 * rules and the model's own words: the SDK's throttling rule (429, its throttling codes,
 * the throttling retry trait), a denial by name, a limit or quota by name, the SDK's
 * transient rule or a server fault, 401 or an expired token. undefined: AWS documents a client error of the request or resource, which
 * is not the credentials' fault (checked separately).
 */
function documentedCategory(entry: Documented): ErrorCategory | undefined {
  if (isThrottlingError(entry.error as Parameters<typeof isThrottlingError>[0])) {
    return 'ServiceLimitExceeded';
  }
  if (/AccessDenied|Access\w*Denied/.test(entry.name)) return 'PermissionDenied';
  if (/(Limit|Quota)Exceeded|LimitReached/.test(entry.name)) return 'ServiceLimitExceeded';
  // Transient (the SDK retries it: a server fault or the model's retryable trait), then AWS's.
  if (isTransientError(entry.error as Parameters<typeof isTransientError>[0]))
    return 'ServiceError';
  if (entry.fault === 'server') return 'ServiceError';
  if (entry.status === 401 || /^ExpiredToken/.test(entry.name)) return 'AuthenticationFailed';
  return undefined;
}

describe('the error table against the errors AWS documents', () => {
  it('reads the service models of every client the checker uses', () => {
    expect(CLIENTS.length).toBeGreaterThanOrEqual(20);
    expect(DOCUMENTED.length).toBeGreaterThan(500);
  });

  const decided = DOCUMENTED.flatMap((entry) => {
    const category = documentedCategory(entry);
    return category === undefined ? [] : [[label(entry), category, entry] as const];
  });

  it.each(decided)('%s is %s', (_label, category, entry) => {
    expect(classify(entry.error).detail.category).toBe(category);
  });

  // AuthenticationFailed flips the shared credential ref, so only what AWS documents as
  // an authentication failure may be one: never a 4xx about the request or a resource.
  const others = DOCUMENTED.filter((entry) => documentedCategory(entry) === undefined).map(
    (entry) => [label(entry), entry] as const,
  );

  it.each(others)('%s is not the credentials’ fault', (_label, entry) => {
    expect(classify(entry.error).detail.category).not.toBe('AuthenticationFailed');
  });
});

// The common errors of every AWS API reference ("Common Errors", e.g.
// https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html and the
// EC2 error codes https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html),
// with the HTTP status and the meaning AWS gives them.
const COMMON_ERRORS: readonly (readonly [string, number, ErrorCategory, string])[] = [
  ['AccessDeniedException', 400, 'PermissionDenied', 'You do not have sufficient access'],
  ['ExpiredTokenException', 403, 'AuthenticationFailed', 'The security token has expired'],
  ['IncompleteSignature', 400, 'AuthenticationFailed', 'The signature does not conform'],
  ['InternalFailure', 500, 'ServiceError', 'An unknown error, exception or failure'],
  ['InvalidAction', 400, 'ServiceError', 'The action requested is invalid (our request)'],
  ['InvalidClientTokenId', 403, 'AuthenticationFailed', 'The access key ID does not exist'],
  ['InvalidParameterCombination', 400, 'ServiceError', 'Parameters used together (our request)'],
  ['InvalidParameterValue', 400, 'ServiceError', 'An invalid input value (our request)'],
  ['InvalidQueryParameter', 400, 'ServiceError', 'The query string is malformed (our request)'],
  ['MalformedQueryString', 404, 'ServiceError', 'The query string has a syntax error'],
  ['MissingAction', 400, 'ServiceError', 'The request is missing an action (our request)'],
  ['MissingAuthenticationToken', 403, 'AuthenticationFailed', 'No access key ID given'],
  ['MissingParameter', 400, 'ServiceError', 'A required parameter is missing (our request)'],
  ['NotAuthorized', 400, 'PermissionDenied', 'You do not have permission'],
  ['OptInRequired', 403, 'InvalidConfiguration', 'The account needs a subscription'],
  ['RequestExpired', 400, 'AuthenticationFailed', 'The date stamp is more than 15 min off'],
  ['ServiceUnavailable', 503, 'ServiceError', 'A temporary failure of the server'],
  ['ThrottlingException', 400, 'ServiceLimitExceeded', 'The request was throttled'],
  ['ValidationError', 400, 'ServiceError', 'The input fails the constraints (our request)'],
  // EC2's own codes.
  ['AuthFailure', 401, 'AuthenticationFailed', 'The credentials could not be validated'],
  ['UnauthorizedOperation', 403, 'PermissionDenied', 'You are not authorized'],
  ['RequestLimitExceeded', 503, 'ServiceLimitExceeded', 'The request rate limit is exceeded'],
];

describe('the common errors of AWS API references', () => {
  it.each(COMMON_ERRORS)('%s (HTTP %i) is %s: %s', (name, status, category) => {
    const error = Object.assign(new Error(`${name} documented`), {
      name,
      $metadata: { httpStatusCode: status },
    });

    expect(classify(error).detail.category).toBe(category);
  });
});
