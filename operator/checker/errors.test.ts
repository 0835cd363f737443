import { STSServiceException } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import type { ErrorCategory } from '../api/v1alpha1/reasons.ts';
import {
  CheckerError,
  ERROR_NAME_CATEGORIES,
  EXIT_CODES,
  classify,
  statusCategory,
} from './errors.ts';

// The expected classification, written out independently of the table: adding a name to
// the table without adding it here fails the completeness test below.
// The names with which AWS refuses a malformed request: the checker's bug, named as such.
const OWN_REQUEST = [
  'InvalidAction',
  'InvalidParameterCombination',
  'InvalidParameterException',
  'InvalidParameterValue',
  'InvalidQueryParameter',
  'MalformedQueryString',
  'MissingAction',
  'MissingParameter',
  'SerializationException',
  'ValidationError',
  'ValidationException',
];

const EXPECTED: Record<ErrorCategory, readonly string[]> = {
  AuthenticationFailed: [
    'AuthFailure',
    'ExpiredToken',
    'ExpiredTokenException',
    'IncompleteSignature',
    'InvalidAccessKeyId',
    'InvalidClientTokenId',
    'InvalidSignatureException',
    'InvalidToken',
    'MissingAuthenticationToken',
    'RequestExpired',
    'RequestInTheFuture',
    'RequestTimeTooSkewed',
    'SignatureDoesNotMatch',
    'UnrecognizedClientException',
  ],
  PermissionDenied: [
    'AccessDenied',
    'AccessDeniedException',
    'AuthorizationError',
    'NotAuthorized',
    'UnauthorizedOperation',
  ],
  ServiceLimitExceeded: [
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
    'LimitExceededException',
    'PriorRequestNotComplete',
    'ProvisionedThroughputExceededException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'RequestThrottledException',
    'ServiceQuotaExceededException',
    'SlowDown',
    'ThrottledException',
    'Throttling',
    'ThrottlingException',
    'TooManyRequestsException',
    'TransactionInProgressException',
  ],
  ServiceError: [
    'InternalError',
    'InternalErrorException',
    'InternalFailure',
    'InternalServerError',
    'InternalServerErrorException',
    'ServerException',
    'ServiceException',
    'ServiceUnavailable',
    'ServiceUnavailableException',
    'Unavailable',
    // AWS refusing the checker's own request: ServiceError, never InvalidConfiguration.
    ...OWN_REQUEST,
  ],
  DeadlineExceeded: ['RequestTimeout', 'RequestTimeoutException', 'TimeoutError'],
  InvalidConfiguration: [
    'CredentialsProviderError',
    'OptInRequired',
    'RegionDisabledException',
    'UnrecognizedRegion',
  ],
};

const expectedRows = Object.entries(EXPECTED).flatMap(([category, names]) =>
  names.map((name) => [name, category] as const),
);

// sdkError builds the error the SDK itself throws for an AWS error answer.
function sdkError(name: string, status: number): STSServiceException {
  return new STSServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-1', attempts: 1 },
    message: `${name} happened`,
  });
}

describe('classify', () => {
  it('knows exactly the error names this test expects', () => {
    expect(Object.keys(ERROR_NAME_CATEGORIES).sort()).toEqual(expectedRows.map(([n]) => n).sort());
  });

  // The HTTP status 400 would classify as ServiceError: the name must win over it.
  it.each(expectedRows)('classifies %s as %s, with the evidence', (name, category) => {
    const error = classify(sdkError(name, 400), {
      region: 'eu-west-1',
      operation: 'ec2:DescribeInstances',
    });

    const own = OWN_REQUEST.includes(name)
      ? " (AWS refused the checker's own ec2:DescribeInstances as invalid: a bug in the checker, not your configuration)"
      : '';
    expect(error.detail).toEqual({
      category,
      code: name,
      message: `${name} happened${own}`,
      requestId: 'req-1',
      region: 'eu-west-1',
      operation: 'ec2:DescribeInstances',
      httpStatus: 400,
    });
  });

  it.each([
    [401, 'AuthenticationFailed'],
    [403, 'PermissionDenied'],
    [429, 'ServiceLimitExceeded'],
    [400, 'ServiceError'],
    [500, 'ServiceError'],
    [503, 'ServiceError'],
  ] as const)(
    'classifies an unknown error name answered with HTTP %i as %s',
    (status, category) => {
      expect(statusCategory(status)).toBe(category);
      expect(classify(sdkError('SomethingNew', status)).detail.category).toBe(category);
    },
  );

  it.each([
    ['ENOTFOUND', 'InvalidConfiguration'],
    ['ECONNREFUSED', 'ServiceError'],
    ['ECONNRESET', 'ServiceError'],
    ['EPIPE', 'ServiceError'],
    ['EAI_AGAIN', 'ServiceError'],
    ['ETIMEDOUT', 'DeadlineExceeded'],
  ] as const)('classifies the network error %s as %s', (code, category) => {
    const error = Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

    expect(classify(error).detail).toMatchObject({ category, code });
  });

  it('names an HTTP answer the SDK could not parse UnparseableAnswer, classified by status', () => {
    const error = Object.assign(
      new SyntaxError('Unexpected token \'<\', "<ErrorResp"... is not valid JSON'),
      {
        $metadata: { httpStatusCode: 403 },
      },
    );

    expect(classify(error).detail).toMatchObject({
      code: 'UnparseableAnswer',
      category: 'PermissionDenied',
      httpStatus: 403,
      message: expect.stringContaining('<ErrorResp') as unknown,
    });
  });

  it.each([
    ['KMSAccessDeniedException', 502, 'PermissionDenied'],
    ['AccessToClusterDeniedFault', 400, 'PermissionDenied'],
    ['KMSThrottlingException', 400, 'ServiceLimitExceeded'],
    ['DBClusterQuotaExceededFault', 403, 'ServiceLimitExceeded'],
    ['ENILimitReachedException', 502, 'ServiceLimitExceeded'],
  ] as const)(
    'classifies the unlisted %s (HTTP %i) by its name as %s',
    (name, status, category) => {
      expect(classify(sdkError(name, status)).detail.category).toBe(category);
    },
  );

  it('classifies an error the SDK marks as throttling by its retry trait', () => {
    const error = Object.assign(sdkError('SomethingBusy', 400), {
      $retryable: { throttling: true },
    });

    expect(classify(error).detail.category).toBe('ServiceLimitExceeded');
  });

  it('redacts an access key id an AWS error message quotes', () => {
    const error = sdkError('InvalidAccessKeyId', 403);
    error.message = 'The key AKIAIOSFODNN7EXAMPLE does not exist; session ASIAIOSFODNN7EXAMPLE';

    expect(classify(error).detail.message).toBe(
      'The key <access key id> does not exist; session <access key id>',
    );
  });

  it('passes a CheckerError through and adds the region it lacked', () => {
    const original = new CheckerError({ category: 'ServiceError', code: 'X', message: 'x' });

    expect(classify(original).detail).toEqual(original.detail);
    expect(classify(original, { region: 'us-east-1' }).detail.region).toBe('us-east-1');
  });

  it('rethrows what is not an AWS error: a bug is never disguised as a category', () => {
    const bug = new TypeError('cannot read properties of undefined');

    expect(() => classify(bug)).toThrow(bug);
    expect(() => classify('a string')).toThrow(/non-error thrown: a string/);
  });
});

describe('EXIT_CODES', () => {
  it('gives every outcome its own code, none of them 1 (crash)', () => {
    const codes = Object.values(EXIT_CODES);

    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).not.toContain(1);
    expect(Object.keys(EXIT_CODES).sort()).toEqual(
      ['Succeeded', ...Object.keys(EXPECTED), 'ResourcesUnhealthy', 'CountOutOfRange'].sort(),
    );
  });
});
