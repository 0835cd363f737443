import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import {
  ERROR_TABLE,
  errorCode,
  errorLogFields,
  PortalError,
  portalError,
  redactEmails,
  toPortalError,
} from './errors.ts';

/** sdkError is an error as the AWS SDK raises it: the name is the service's error code. */
function sdkError(name: string): Error {
  const error = new Error(`service said ${name} with internal detail`);
  error.name = name;
  return error;
}

/** stripeError is an error as the Stripe SDK raises it: `type` names its class. */
function stripeError(type: string): Error {
  return Object.assign(new Error('stripe internal detail'), { type });
}

function kubeError(code: number, reason?: string): ApiException<string> {
  const body = reason === undefined ? 'not json' : JSON.stringify({ kind: 'Status', reason });
  return new ApiException(code, 'apiserver said no', body, {});
}

const COGNITO: [string, number][] = [
  ['AliasExistsException', 409],
  ['CodeDeliveryFailureException', 502],
  ['CodeMismatchException', 400],
  ['ExpiredCodeException', 400],
  ['InternalErrorException', 502],
  ['InvalidLambdaResponseException', 502],
  ['InvalidParameterException', 400],
  ['InvalidPasswordException', 400],
  ['LimitExceededException', 429],
  ['NotAuthorizedException', 401],
  ['PasswordResetRequiredException', 403],
  ['ResourceNotFoundException', 502],
  ['TooManyFailedAttemptsException', 429],
  ['TooManyRequestsException', 429],
  ['UnexpectedLambdaException', 502],
  ['UserLambdaValidationException', 400],
  ['UserNotConfirmedException', 403],
  ['UserNotFoundException', 401],
  ['UsernameExistsException', 409],
];

const STRIPE: [string, number][] = [
  ['StripeAPIError', 502],
  ['StripeAuthenticationError', 502],
  ['StripeCardError', 402],
  ['StripeConnectionError', 503],
  ['StripeIdempotencyError', 409],
  ['StripeInvalidGrantError', 502],
  ['StripeInvalidRequestError', 502],
  ['StripePermissionError', 502],
  ['StripeRateLimitError', 503],
  ['StripeSignatureVerificationError', 400],
];

const KUBE: [string, number][] = [
  ['AlreadyExists', 409],
  ['BadRequest', 502],
  ['Conflict', 409],
  ['Expired', 503],
  ['Forbidden', 502],
  ['Gone', 503],
  ['InternalError', 502],
  ['Invalid', 502],
  ['NotFound', 404],
  ['ServerTimeout', 503],
  ['ServiceUnavailable', 503],
  ['Timeout', 503],
  ['TooManyRequests', 503],
  ['Unauthorized', 502],
];

describe('the error table', () => {
  it.each(COGNITO)('Cognito %s → %i', (name, status) => {
    const error = toPortalError(sdkError(name));
    expect([error.code, error.status]).toEqual([name, status]);
    expect(error.message).not.toContain('internal detail');
  });

  it.each(STRIPE)('Stripe %s → %i', (type, status) => {
    const error = toPortalError(stripeError(type));
    expect([error.code, error.status]).toEqual([type, status]);
    expect(error.message).not.toContain('internal detail');
  });

  it.each(KUBE)('apiserver %s → %i', (reason, status) => {
    const error = toPortalError(kubeError(400, reason));
    expect([error.code, error.status]).toEqual([`kube:${reason}`, status]);
  });

  it('covers every row with a test', () => {
    const own = ['BadForm', 'CsrfTokenInvalid', 'IdTokenInvalid', 'SignInChallenge', 'RateLimited'];
    own.push('RefreshTokenInvalid');
    const more = ['PageNotFound', 'PayloadTooLarge', 'TenantMismatch', 'CatalogUnavailable'];
    const tested = new Set([
      ...COGNITO.map(([n]) => n),
      ...STRIPE.map(([n]) => n),
      ...KUBE.map(([n]) => `kube:${n}`),
      ...own,
      ...more,
      'ServiceUnreachable',
      'Unexpected',
    ]);
    expect(Object.keys(ERROR_TABLE).sort()).toEqual([...tested].sort());
  });

  it('gives every row a 4xx or 5xx status and a sentence', () => {
    for (const entry of Object.values(ERROR_TABLE)) {
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      expect(entry.message).toMatch(/^[A-Z].*\.$/);
    }
  });
});

describe('errorCode', () => {
  it.each([
    [404, 'kube:NotFound'],
    [403, 'kube:Forbidden'],
    [409, 'kube:Conflict'],
    [422, 'kube:Invalid'],
    [503, 'kube:ServiceUnavailable'],
    [502, 'kube:InternalError'],
  ])('names an apiserver %i without a Status body %s', (code, expected) => {
    expect(errorCode(kubeError(code))).toBe(expected);
  });

  it('keeps a PortalError as it is', () => {
    const error = portalError('TenantMismatch');
    expect(toPortalError(error)).toBe(error);
    expect(error).toBeInstanceOf(PortalError);
    expect(error.status).toBe(403);
  });

  it('names csrf-csrf’s and the body parser’s refusals', () => {
    expect(
      errorCode(Object.assign(new Error('invalid csrf token'), { code: 'EBADCSRFTOKEN' })),
    ).toBe('CsrfTokenInvalid');
    const tooLarge = Object.assign(new Error('too large'), {
      type: 'entity.too.large',
      status: 413,
    });
    expect(errorCode(tooLarge)).toBe('PayloadTooLarge');
    const bad = Object.assign(new Error('bad'), { type: 'parameters.too.many', status: 413 });
    expect(errorCode(bad)).toBe('BadForm');
  });

  it('names a network failure ServiceUnreachable, and anything else Unexpected', () => {
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    expect(errorCode(refused)).toBe('ServiceUnreachable');
    expect(errorCode(new Error('boom'))).toBe('Unexpected');
    expect(errorCode('a string')).toBe('Unexpected');
    expect(errorCode(kubeError(400, 'SomethingNew'))).toBe('Unexpected');
  });

  it('keeps the cause and never shows its message', () => {
    const cause = sdkError('NotAuthorizedException');
    const error = toPortalError(cause);
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('The email or password is wrong.');
  });
});

describe('errorLogFields', () => {
  const email = 'jane.doe+aws@example.co.uk';

  it('keeps the code, the cause and the request id of an AWS answer, never its message', () => {
    const aws = Object.assign(sdkError('CodeDeliveryFailureException'), {
      message: `Unable to deliver to ${email}`,
      $metadata: { requestId: 'req-1', httpStatusCode: 400 },
    });
    const fields = errorLogFields(toPortalError(aws));
    expect(fields).toEqual({
      code: 'CodeDeliveryFailureException',
      status: 502,
      cause: 'CodeDeliveryFailureException',
      requestId: 'req-1',
      upstreamStatus: 400,
    });
    expect(JSON.stringify(fields)).not.toContain(email);
  });

  it('keeps the code and the request id of a Stripe answer, never its message', () => {
    const stripe = Object.assign(stripeError('StripeInvalidRequestError'), {
      message: `No such customer with email ${email}`,
      requestId: 'req_2',
      statusCode: 400,
    });
    const fields = errorLogFields(toPortalError(stripe));
    expect(fields).toMatchObject({ code: 'StripeInvalidRequestError', requestId: 'req_2' });
    expect(JSON.stringify(fields)).not.toContain(email);
  });

  it('keeps our own errors’ messages, with email addresses redacted', () => {
    const fields = errorLogFields(toPortalError(new TypeError(`cannot read x of ${email}`)));
    expect(fields).toEqual({
      code: 'Unexpected',
      status: 500,
      cause: 'TypeError',
      detail: 'cannot read x of <email>',
    });
    expect(errorLogFields(portalError('BadForm'))).toEqual({
      code: 'BadForm',
      status: 400,
      cause: undefined,
    });
  });

  it('redacts every address in a text and leaves the rest', () => {
    expect(redactEmails(`to ${email}, cc <a@b.io>; done`)).toBe('to <email>, cc <<email>>; done');
  });
});
