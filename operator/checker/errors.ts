// The one place the checker turns failures into error categories. Every AWS SDK error,
// network error and usage error ends here as a CheckerError with one of ERROR_CATEGORIES.
import type { ErrorCategory } from '../api/v1alpha1/reasons.ts';

/** CheckerErrorDetail is what the result records about the first failure of a run. */
export interface CheckerErrorDetail {
  readonly category: ErrorCategory;
  /** The AWS error code (the SDK error name), or the checker's own code for usage errors. */
  readonly code: string;
  readonly message: string;
  readonly requestId?: string;
  readonly region?: string;
  /** The API call that failed, as `service:Operation` (an IAM action name). */
  readonly operation?: string;
  readonly httpStatus?: number;
}

/** CheckerError is the one error the checker reports: a category and the evidence for it. */
export class CheckerError extends Error {
  override readonly name = 'CheckerError';
  readonly detail: CheckerErrorDetail;

  constructor(detail: CheckerErrorDetail, options?: ErrorOptions) {
    super(detail.message, options);
    this.detail = detail;
  }
}

/** invalidConfiguration is the error for a bad argument, file or setting; it says what is allowed. */
export function invalidConfiguration(code: string, message: string): CheckerError {
  return new CheckerError({ category: 'InvalidConfiguration', code, message });
}

/**
 * incompleteAnswer is the error for an AWS answer that lacks what the API promises (a
 * describe call without the described resource): AWS is at fault, so a ServiceError.
 */
export function incompleteAnswer(operation: string, missing: string): CheckerError {
  return new CheckerError({
    category: 'ServiceError',
    code: 'IncompleteAnswer',
    message: `${operation} answered without ${missing}`,
    operation,
  });
}

/**
 * required returns a field AWS promised in an answer, or fails the run with
 * incompleteAnswer: a resource without an id is never counted as "unknown".
 */
export function required<T>(value: T | undefined | null, operation: string, missing: string): T {
  if (value === undefined || value === null || value === '')
    throw incompleteAnswer(operation, missing);
  return value;
}

/**
 * ERROR_NAME_CATEGORIES is the classification table: SDK error names (the AWS error codes
 * of every protocol, plus the SDK's own client-side errors) to categories. A name not in
 * it is classified by ERROR_NAME_PATTERNS, then by HTTP status (statusCategory), and any
 * other AWS error is a ServiceError.
 */
export const ERROR_NAME_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  // Keys that are invalid, expired or signed wrongly (a skewed clock signs wrongly too).
  AuthFailure: 'AuthenticationFailed',
  ExpiredToken: 'AuthenticationFailed',
  ExpiredTokenException: 'AuthenticationFailed',
  IncompleteSignature: 'AuthenticationFailed',
  InvalidAccessKeyId: 'AuthenticationFailed',
  InvalidClientTokenId: 'AuthenticationFailed',
  InvalidSignatureException: 'AuthenticationFailed',
  InvalidToken: 'AuthenticationFailed',
  MissingAuthenticationToken: 'AuthenticationFailed',
  RequestExpired: 'AuthenticationFailed',
  RequestInTheFuture: 'AuthenticationFailed',
  RequestTimeTooSkewed: 'AuthenticationFailed',
  SignatureDoesNotMatch: 'AuthenticationFailed',
  UnrecognizedClientException: 'AuthenticationFailed',
  // Valid keys without the permission.
  AccessDenied: 'PermissionDenied',
  AccessDeniedException: 'PermissionDenied',
  AuthorizationError: 'PermissionDenied',
  NotAuthorized: 'PermissionDenied',
  UnauthorizedOperation: 'PermissionDenied',
  // Throttling and quotas, after the SDK's own bounded retries (the SDK's throttling codes).
  BandwidthLimitExceeded: 'ServiceLimitExceeded',
  EC2ThrottledException: 'ServiceLimitExceeded',
  LimitExceededException: 'ServiceLimitExceeded',
  PriorRequestNotComplete: 'ServiceLimitExceeded',
  ProvisionedThroughputExceededException: 'ServiceLimitExceeded',
  RequestLimitExceeded: 'ServiceLimitExceeded',
  RequestThrottled: 'ServiceLimitExceeded',
  RequestThrottledException: 'ServiceLimitExceeded',
  ServiceQuotaExceededException: 'ServiceLimitExceeded',
  SlowDown: 'ServiceLimitExceeded',
  ThrottledException: 'ServiceLimitExceeded',
  Throttling: 'ServiceLimitExceeded',
  ThrottlingException: 'ServiceLimitExceeded',
  TooManyRequestsException: 'ServiceLimitExceeded',
  TransactionInProgressException: 'ServiceLimitExceeded',
  // AWS failing on its side, after the SDK's own bounded retries.
  InternalError: 'ServiceError',
  InternalErrorException: 'ServiceError',
  InternalFailure: 'ServiceError',
  InternalServerError: 'ServiceError',
  InternalServerErrorException: 'ServiceError',
  ServerException: 'ServiceError',
  ServiceException: 'ServiceError',
  ServiceUnavailable: 'ServiceError',
  ServiceUnavailableException: 'ServiceError',
  Unavailable: 'ServiceError',
  // AWS refusing the checker's own request as malformed: the checker builds every request
  // itself from a validated command line, so this is its bug (or an API change), never
  // the user's configuration. The message names the operation (OWN_REQUEST_ERRORS).
  InvalidAction: 'ServiceError',
  InvalidParameterCombination: 'ServiceError',
  InvalidParameterException: 'ServiceError',
  InvalidParameterValue: 'ServiceError',
  InvalidQueryParameter: 'ServiceError',
  MalformedQueryString: 'ServiceError',
  MissingAction: 'ServiceError',
  MissingParameter: 'ServiceError',
  SerializationException: 'ServiceError',
  ValidationError: 'ServiceError',
  ValidationException: 'ServiceError',
  // Time limits: the run's deadline, or an SDK request that timed out.
  RequestTimeout: 'DeadlineExceeded',
  RequestTimeoutException: 'DeadlineExceeded',
  TimeoutError: 'DeadlineExceeded',
  // What the run was asked to do cannot be done as asked: the account has not enabled
  // the region or subscribed to the service, or the region is unknown.
  CredentialsProviderError: 'InvalidConfiguration',
  OptInRequired: 'InvalidConfiguration',
  RegionDisabledException: 'InvalidConfiguration',
  UnrecognizedRegion: 'InvalidConfiguration',
};

/** OWN_REQUEST_ERRORS are the names with which AWS refuses a request as malformed. */
export const OWN_REQUEST_ERRORS: ReadonlySet<string> = new Set([
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
]);

/**
 * ERROR_NAME_PATTERNS classify service-specific names the table does not list, by the
 * words AWS names them with (KMSAccessDeniedException, KMSThrottlingException,
 * DBClusterQuotaExceededFault, …): a denial, throttling or a quota, whatever the status.
 */
export const ERROR_NAME_PATTERNS: readonly (readonly [RegExp, ErrorCategory])[] = [
  [/AccessDenied|Access\w*Denied/, 'PermissionDenied'],
  [/Throttl/, 'ServiceLimitExceeded'],
  [/(Limit|Quota)Exceeded|LimitReached/, 'ServiceLimitExceeded'],
];

/** STATUS_CATEGORIES classifies AWS errors whose name the table does not know. */
export function statusCategory(status: number): ErrorCategory {
  if (status === 401) return 'AuthenticationFailed';
  if (status === 403) return 'PermissionDenied';
  if (status === 429) return 'ServiceLimitExceeded';
  return 'ServiceError';
}

// Node's network error codes: the endpoint cannot be reached or named.
const NETWORK_CODES: Readonly<Record<string, ErrorCategory>> = {
  ENOTFOUND: 'InvalidConfiguration',
  ECONNREFUSED: 'ServiceError',
  ECONNRESET: 'ServiceError',
  EPIPE: 'ServiceError',
  ETIMEDOUT: 'DeadlineExceeded',
  EAI_AGAIN: 'ServiceError',
};

/** ErrorContext is where a failure happened, as far as the caller knows. */
export interface ErrorContext {
  readonly region?: string;
  readonly operation?: string;
}

interface AwsErrorShape extends Error {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly requestId?: string };
  /** The SDK's retry trait: `throttling: true` marks a throttling error of any name. */
  readonly $retryable?: { readonly throttling?: boolean };
  readonly code?: unknown;
}

function isErrorLike(error: unknown): error is AwsErrorShape {
  return error instanceof Error;
}

/**
 * isUnparsedAnswer tells an HTTP answer the SDK failed to parse, in any protocol: JSON
 * parsing throws a SyntaxError, XML parsing the parser's own Error; either way the SDK's
 * deserializer attaches the answer (`$response`) and its status, and, unlike an AWS error
 * it parsed, no `$fault`.
 */
function isUnparsedAnswer(error: AwsErrorShape): boolean {
  if (error.$metadata?.httpStatusCode === undefined) return false;
  return error instanceof SyntaxError || ('$response' in error && !('$fault' in error));
}

/**
 * awsErrorCode is the AWS error code of an SDK error: its name; UnparseableAnswer when the
 * SDK could not parse an HTTP answer (then the status decides the category); or Node's
 * network code.
 */
function awsErrorCode(error: AwsErrorShape): string {
  if (error.name in ERROR_NAME_CATEGORIES) return error.name;
  if (isUnparsedAnswer(error)) return 'UnparseableAnswer';
  if (typeof error.code === 'string' && error.code in NETWORK_CODES) return error.code;
  return error.name;
}

function categoryOf(error: AwsErrorShape, code: string): ErrorCategory | undefined {
  const byName = ERROR_NAME_CATEGORIES[code] ?? NETWORK_CODES[code];
  if (byName) return byName;
  const byPattern = ERROR_NAME_PATTERNS.find(([pattern]) => pattern.test(code));
  if (byPattern) return byPattern[1];
  if (error.$retryable?.throttling === true) return 'ServiceLimitExceeded';
  const status = error.$metadata?.httpStatusCode;
  if (status !== undefined) return statusCategory(status);
  return undefined;
}

function withContext(error: CheckerError, context: ErrorContext): CheckerError {
  if (error.detail.region !== undefined || context.region === undefined) return error;
  return new CheckerError({ ...context, ...error.detail }, { cause: error.cause });
}

// Access key ids (AKIA… long-lived, ASIA… session) are half of a credential: an AWS error
// message that quotes one is redacted before it reaches the result, status or logs.
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,124}\b/g;

/** redactKeyIds replaces every access key id in a text. */
export function redactKeyIds(text: string): string {
  return text.replace(ACCESS_KEY_ID, '<access key id>');
}

function detailOf(
  error: AwsErrorShape,
  code: string,
  category: ErrorCategory,
  context: ErrorContext,
): CheckerErrorDetail {
  const { requestId, httpStatusCode } = error.$metadata ?? {};
  const unparsed = code === 'UnparseableAnswer' ? ' (the answer was not in the API’s format)' : '';
  const own = OWN_REQUEST_ERRORS.has(code)
    ? ` (AWS refused the checker's own ${context.operation ?? 'request'} as invalid: a bug in the checker, not your configuration)`
    : '';
  return {
    category,
    code,
    message: redactKeyIds(`${error.message || code}${unparsed}${own}`),
    ...(requestId !== undefined && { requestId }),
    ...(context.region !== undefined && { region: context.region }),
    ...(context.operation !== undefined && { operation: context.operation }),
    ...(httpStatusCode !== undefined && { httpStatus: httpStatusCode }),
  };
}

/**
 * classify turns a failure into a CheckerError. A CheckerError passes through (gaining
 * the context it lacked); an SDK or network error is classified by the table; anything
 * else is a bug in the checker and is rethrown unchanged, never disguised as an AWS error.
 */
export function classify(error: unknown, context: ErrorContext = {}): CheckerError {
  if (error instanceof CheckerError) return withContext(error, context);
  if (!isErrorLike(error)) throw new Error(`non-error thrown: ${String(error)}`, { cause: error });
  const code = awsErrorCode(error);
  const category = categoryOf(error, code);
  if (category === undefined) throw error;
  return new CheckerError(detailOf(error, code, category, context), { cause: error });
}

/**
 * EXIT_CODES gives each outcome its process exit code, so a shell or Job can tell them
 * apart without reading the result. 1 is left for crashes (a bug in the checker).
 */
export const EXIT_CODES = {
  Succeeded: 0,
  InvalidConfiguration: 2,
  AuthenticationFailed: 3,
  PermissionDenied: 4,
  ServiceLimitExceeded: 5,
  ServiceError: 6,
  DeadlineExceeded: 7,
  ResourcesUnhealthy: 8,
  CountOutOfRange: 9,
} as const;
