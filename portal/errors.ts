// The one place the portal turns failures into what a person reads. Every Cognito, Stripe
// and apiserver error the portal meets, and the portal's own refusals, end here as a
// PortalError with an HTTP status and a message; the error handler renders nothing else.
// Service messages are never shown (they can name internals); only the table's text is.
import { ApiException } from '@kubernetes/client-node';

/** PortalErrorEntry is one row of the table: the status sent and the sentence shown. */
export interface PortalErrorEntry {
  readonly status: number;
  readonly message: string;
}

/** PortalError is the one error the portal renders: a code from ERROR_TABLE and its row. */
export class PortalError extends Error {
  override readonly name = 'PortalError';
  readonly code: string;
  readonly status: number;

  constructor(code: string, entry: PortalErrorEntry, options?: ErrorOptions) {
    super(entry.message, options);
    this.code = code;
    this.status = entry.status;
  }
}

/** The portal's own refusals. */
const PORTAL_ERRORS = {
  BadForm: { status: 400, message: 'The form was not filled in correctly.' },
  CsrfTokenInvalid: {
    status: 403,
    message: 'This form has expired or was not sent from this site. Reload the page and try again.',
  },
  IdTokenInvalid: { status: 401, message: 'Your session is not valid. Sign in again.' },
  RefreshTokenInvalid: { status: 401, message: 'Your session has ended. Sign in again.' },
  SignInChallenge: {
    status: 400,
    message: 'This account needs a sign-in step the portal does not offer. Contact support.',
  },
  RateLimited: { status: 429, message: 'Too many attempts. Wait a few minutes and try again.' },
  PageNotFound: { status: 404, message: 'There is no such page.' },
  PayloadTooLarge: { status: 413, message: 'The form is too large.' },
  TenantMismatch: {
    status: 403,
    message: 'Your account’s namespace belongs to someone else. Contact support.',
  },
  CatalogUnavailable: {
    status: 503,
    message: 'The plans cannot be read right now. Try again in a minute.',
  },
  ServiceUnreachable: {
    status: 503,
    message: 'A service the portal depends on cannot be reached. Try again in a minute.',
  },
  Unexpected: { status: 500, message: 'Something went wrong on our side. Try again later.' },
} as const satisfies Record<string, PortalErrorEntry>;

/** PortalErrorCode names the portal's own refusals. */
export type PortalErrorCode = keyof typeof PORTAL_ERRORS;

/** Cognito user pool errors, by the SDK error name. */
const COGNITO_ERRORS: Readonly<Record<string, PortalErrorEntry>> = {
  AliasExistsException: { status: 409, message: 'An account with this email already exists.' },
  CodeDeliveryFailureException: {
    status: 502,
    message: 'The confirmation email could not be sent. Try again later.',
  },
  CodeMismatchException: { status: 400, message: 'The code is wrong.' },
  ExpiredCodeException: {
    status: 400,
    message:
      'The code has expired. Ask for a new one: “Send a new code” on the confirmation page, or “Forgot your password?” on the sign-in page.',
  },
  InternalErrorException: {
    status: 502,
    message: 'Sign-in is not working right now. Try again later.',
  },
  InvalidLambdaResponseException: {
    status: 502,
    message: 'Sign-in is not working right now. Try again later.',
  },
  InvalidParameterException: {
    status: 400,
    message: 'The email or password is not accepted. Check them and try again.',
  },
  InvalidPasswordException: {
    status: 400,
    message:
      'The password is too weak: use at least 8 characters with upper and lower case letters, a digit and a symbol.',
  },
  LimitExceededException: { status: 429, message: 'Too many attempts. Try again later.' },
  NotAuthorizedException: { status: 401, message: 'The email or password is wrong.' },
  PasswordResetRequiredException: {
    status: 403,
    message: 'This account needs a new password: use “Forgot your password?” on the sign-in page.',
  },
  ResourceNotFoundException: {
    status: 502,
    message: 'Sign-in is misconfigured on our side. Contact support.',
  },
  TooManyFailedAttemptsException: {
    status: 429,
    message: 'Too many failed attempts. Wait a few minutes and try again.',
  },
  TooManyRequestsException: { status: 429, message: 'Too many attempts. Try again later.' },
  UnexpectedLambdaException: {
    status: 502,
    message: 'Sign-in is not working right now. Try again later.',
  },
  UserLambdaValidationException: { status: 400, message: 'This sign-up was not accepted.' },
  UserNotConfirmedException: {
    status: 403,
    message:
      'Confirm your email first with the code we sent you, or ask for a new one on the confirmation page.',
  },
  // Same sentence as NotAuthorizedException, so the form does not tell who has an account.
  UserNotFoundException: { status: 401, message: 'The email or password is wrong.' },
  UsernameExistsException: { status: 409, message: 'An account with this email already exists.' },
};

/** Stripe errors, by the SDK error `type`. */
const STRIPE_ERRORS: Readonly<Record<string, PortalErrorEntry>> = {
  StripeAPIError: { status: 502, message: 'Billing is not working right now. Try again later.' },
  StripeAuthenticationError: {
    status: 502,
    message: 'Billing is misconfigured on our side. Contact support.',
  },
  StripeCardError: { status: 402, message: 'The card was declined.' },
  StripeConnectionError: {
    status: 503,
    message: 'Billing cannot be reached right now. Try again in a minute.',
  },
  StripeIdempotencyError: {
    status: 409,
    message: 'This request was already made differently. Reload the page and try again.',
  },
  StripeInvalidGrantError: {
    status: 502,
    message: 'Billing is misconfigured on our side. Contact support.',
  },
  StripeInvalidRequestError: {
    status: 502,
    message: 'Billing refused the request. Contact support.',
  },
  StripePermissionError: {
    status: 502,
    message: 'Billing is misconfigured on our side. Contact support.',
  },
  StripeRateLimitError: { status: 503, message: 'Billing is busy. Try again in a minute.' },
  StripeSignatureVerificationError: {
    status: 400,
    message: 'The webhook signature is not valid.',
  },
};

/** apiserver errors, by the Status reason, prefixed `kube:`. */
const KUBE_ERRORS: Readonly<Record<string, PortalErrorEntry>> = {
  'kube:AlreadyExists': { status: 409, message: 'That already exists.' },
  'kube:BadRequest': { status: 502, message: 'The cluster refused a request. Contact support.' },
  'kube:Conflict': { status: 409, message: 'Your account changed meanwhile. Try again.' },
  'kube:Expired': { status: 503, message: 'The cluster is busy. Try again in a minute.' },
  'kube:Forbidden': {
    status: 502,
    message: 'The portal is not allowed to do that in the cluster. Contact support.',
  },
  'kube:Gone': { status: 503, message: 'The cluster is busy. Try again in a minute.' },
  'kube:InternalError': {
    status: 502,
    message: 'The cluster is not working right now. Try again later.',
  },
  'kube:Invalid': { status: 502, message: 'The cluster refused a request. Contact support.' },
  'kube:NotFound': { status: 404, message: 'That does not exist (any more).' },
  'kube:ServerTimeout': { status: 503, message: 'The cluster is busy. Try again in a minute.' },
  'kube:ServiceUnavailable': {
    status: 503,
    message: 'The cluster cannot be reached right now. Try again in a minute.',
  },
  'kube:Timeout': { status: 503, message: 'The cluster is busy. Try again in a minute.' },
  'kube:TooManyRequests': { status: 503, message: 'The cluster is busy. Try again in a minute.' },
  'kube:Unauthorized': {
    status: 502,
    message: 'The portal cannot sign in to the cluster. Contact support.',
  },
};

/** ERROR_TABLE is every error the portal renders, by code. */
export const ERROR_TABLE: Readonly<Record<string, PortalErrorEntry>> = {
  ...PORTAL_ERRORS,
  ...COGNITO_ERRORS,
  ...STRIPE_ERRORS,
  ...KUBE_ERRORS,
};

/** KUBE_STATUS_REASONS names an apiserver answer that carries no Status reason, by HTTP status. */
const KUBE_STATUS_REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** portalError makes the error for one of the portal's own refusals. */
export function portalError(code: PortalErrorCode, options?: ErrorOptions): PortalError {
  return new PortalError(code, PORTAL_ERRORS[code], options);
}

/** kubeReason is the Status reason of an apiserver error (from its body, else its status). */
export function kubeReason(error: ApiException<unknown>): string {
  const body = typeof error.body === 'string' ? safeJson(error.body) : error.body;
  const reason = (body as { reason?: unknown } | undefined)?.reason;
  if (typeof reason === 'string' && reason !== '') return reason;
  return KUBE_STATUS_REASONS[error.code] ?? (error.code >= 500 ? 'InternalError' : 'BadRequest');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** errorCode is the table code of any error: a row of ERROR_TABLE, or `Unexpected`. */
export function errorCode(error: unknown): string {
  if (error instanceof PortalError) return error.code;
  if (error instanceof ApiException) return tableCode(`kube:${kubeReason(error)}`);
  if (!(error instanceof Error)) return 'Unexpected';
  const stripeType = (error as { type?: unknown }).type;
  if (typeof stripeType === 'string' && stripeType in STRIPE_ERRORS) return stripeType;
  if (error.name in COGNITO_ERRORS) return error.name;
  const middleware = middlewareCode(error);
  if (middleware !== undefined) return middleware;
  if (isUnreachable(error)) return 'ServiceUnreachable';
  return 'Unexpected';
}

/** middlewareCode names the refusals of express's body parser and of csrf-csrf. */
function middlewareCode(error: Error): PortalErrorCode | undefined {
  const { code, type, status } = error as { code?: unknown; type?: unknown; status?: unknown };
  if (code === 'EBADCSRFTOKEN') return 'CsrfTokenInvalid';
  if (type === 'entity.too.large') return 'PayloadTooLarge';
  if (typeof type === 'string' && typeof status === 'number' && status >= 400 && status < 500)
    return 'BadForm';
  return undefined;
}

function tableCode(code: string): string {
  return code in ERROR_TABLE ? code : 'Unexpected';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** isUnreachable tells a network failure (fetch failed, refused, timed out) from an answer. */
function isUnreachable(error: Error): boolean {
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return true;
  const cause = error.cause as { code?: unknown } | undefined;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  return (typeof code === 'string' && NETWORK_CODES.has(code)) || error.message === 'fetch failed';
}

/** toPortalError turns any error into the PortalError the table says, keeping it as the cause. */
export function toPortalError(error: unknown): PortalError {
  if (error instanceof PortalError) return error;
  const code = errorCode(error);
  const entry = ERROR_TABLE[code] ?? PORTAL_ERRORS.Unexpected;
  return new PortalError(code, entry, { cause: error });
}

/** EMAIL_ADDRESS matches anything shaped like an email address in a text. */
const EMAIL_ADDRESS = /[^\s@<>"'(),;:]+@[^\s@<>"'(),;:]+/g;

/** redactEmails replaces every email address in a text with `<email>`. */
export function redactEmails(text: string): string {
  return text.replace(EMAIL_ADDRESS, '<email>');
}

/** DETAIL_LIMIT bounds the message of one of our own errors in a log line. */
const DETAIL_LIMIT = 500;

/** thirdParty tells an answer of Stripe or AWS (their messages can quote a person) from ours. */
function thirdParty(error: Error): boolean {
  const { type, $metadata: metadata } = error as { type?: unknown; $metadata?: unknown };
  return (typeof type === 'string' && type.startsWith('Stripe')) || metadata !== undefined;
}

/** requestIds are the ids Stripe and AWS give an answer, for their support and logs. */
function requestIds(error: Error): Record<string, unknown> {
  const {
    requestId,
    statusCode,
    $metadata: metadata,
  } = error as {
    requestId?: unknown;
    statusCode?: unknown;
    $metadata?: { requestId?: unknown; httpStatusCode?: unknown };
  };
  return {
    ...(requestId !== undefined && { requestId }),
    ...(statusCode !== undefined && { upstreamStatus: statusCode }),
    ...(metadata?.requestId !== undefined && { requestId: metadata.requestId }),
    ...(metadata?.httpStatusCode !== undefined && { upstreamStatus: metadata.httpStatusCode }),
  };
}

/**
 * errorLogFields is what the log keeps of an error: its table code and status, the
 * cause's name and the upstream request id and status. A Stripe or AWS message is never
 * kept (it can quote a person's email); our own errors' messages are, emails redacted.
 */
export function errorLogFields(error: PortalError): Record<string, unknown> {
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const fields = { code: error.code, status: error.status, cause: cause?.name };
  if (cause === undefined) return fields;
  if (thirdParty(cause)) return { ...fields, ...requestIds(cause) };
  return { ...fields, detail: redactEmails(cause.message).slice(0, DETAIL_LIMIT) };
}
