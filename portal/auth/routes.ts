// Sign-up → confirm (or send a new code) → sign-in → sign-out, and a forgotten password
// (a code by email, then the code and a new password). Every POST is CSRF-checked before
// it gets here (createApp) and every form but sign-out is rate-limited; a signed-in
// session is the verified ID token and the refresh token in cookies (session.ts).
import { Router, type Request, type RequestHandler } from 'express';
import type { PortalDeps } from '../deps.ts';
import {
  confirmPage,
  forgotPasswordPage,
  resetPasswordPage,
  signInPage,
  signUpPage,
  type ConfirmNotice,
  type SignInNotice,
} from '../pages/auth.ts';
import { sendPage, type PageContextOf } from '../pages/send.ts';
import {
  confirmForgotPassword,
  confirmSignUp,
  forgotPassword,
  resendConfirmationCode,
  revokeRefreshToken,
  signIn,
  signUp,
  type SignInTokens,
} from './cognito.ts';
import { ConfirmForm, CredentialsForm, EmailForm, parseForm, ResetPasswordForm } from './forms.ts';
import type { IdTokenVerifier } from './id-token.ts';
import {
  clearSession,
  refreshToken,
  setRefresh,
  setSession,
  type SessionOptions,
} from './session.ts';
import { errorLogFields, toPortalError } from '../errors.ts';

/** AuthRoutesOptions are what the auth routes need besides the deps. */
export interface AuthRoutesOptions {
  readonly verify: IdTokenVerifier;
  readonly pageContext: PageContextOf;
  readonly rateLimit: RequestHandler;
  readonly session: SessionOptions;
}

const CONFIRM_NOTICES: readonly ConfirmNotice[] = ['resent', 'unconfirmed', 'expired'];
const SIGN_IN_NOTICES: readonly SignInNotice[] = ['confirmed', 'reset'];

/** queryEmail is the `email` query parameter, or ''. */
function queryEmail(req: Request): string {
  return typeof req.query.email === 'string' ? req.query.email : '';
}

/** noticeOf is the first of `notices` whose query flag is `1`. */
function noticeOf<T extends string>(req: Request, notices: readonly T[]): T | undefined {
  return notices.find((notice) => req.query[notice] === '1');
}

/** confirmUrl is the confirmation page for `email` with a notice. */
function confirmUrl(email: string, notice?: ConfirmNotice): string {
  const flag = notice === undefined ? '' : `&${notice}=1`;
  return `/confirm?email=${encodeURIComponent(email)}${flag}`;
}

/** signInOrUnconfirmed signs in, or returns undefined for a user who has not confirmed yet. */
async function signInOrUnconfirmed(
  deps: PortalDeps,
  form: { email: string; password: string },
): Promise<SignInTokens | undefined> {
  try {
    return await signIn(deps.cognito, deps.config.cognito.clientId, form);
  } catch (error) {
    if ((error as Error).name === 'UserNotConfirmedException') return undefined;
    throw error;
  }
}

/** signUpRoutes serve /sign-up, /confirm and /confirm/resend. */
function signUpRoutes(router: Router, deps: PortalDeps, options: AuthRoutesOptions): void {
  const { cognito } = deps;
  const { clientId } = deps.config.cognito;
  const { pageContext, rateLimit } = options;
  router.get('/sign-up', (req, res) => {
    sendPage(res, 200, signUpPage(pageContext(req, res)));
  });
  router.post('/sign-up', rateLimit, async (req, res) => {
    const form = parseForm(CredentialsForm, req.body);
    await signUp(cognito, clientId, form);
    deps.log.info('user signed up');
    res.redirect(303, confirmUrl(form.email));
  });
  router.get('/confirm', (req, res) => {
    const notice = noticeOf(req, CONFIRM_NOTICES);
    sendPage(res, 200, confirmPage(pageContext(req, res), queryEmail(req), notice));
  });
  router.post('/confirm', rateLimit, async (req, res) => {
    const form = parseForm(ConfirmForm, req.body);
    try {
      await confirmSignUp(cognito, clientId, form.email, form.code);
    } catch (error) {
      if ((error as Error).name !== 'ExpiredCodeException') throw error;
      res.redirect(303, confirmUrl(form.email, 'expired'));
      return;
    }
    res.redirect(303, '/sign-in?confirmed=1');
  });
  router.post('/confirm/resend', rateLimit, async (req, res) => {
    const form = parseForm(EmailForm, req.body);
    await resendConfirmationCode(cognito, clientId, form.email);
    deps.log.info('confirmation code sent again');
    res.redirect(303, confirmUrl(form.email, 'resent'));
  });
}

/** passwordRoutes serve /forgot-password and /reset-password. */
function passwordRoutes(router: Router, deps: PortalDeps, options: AuthRoutesOptions): void {
  const { cognito } = deps;
  const { clientId } = deps.config.cognito;
  const { pageContext, rateLimit } = options;
  router.get('/forgot-password', (req, res) => {
    sendPage(res, 200, forgotPasswordPage(pageContext(req, res), queryEmail(req)));
  });
  router.post('/forgot-password', rateLimit, async (req, res) => {
    const form = parseForm(EmailForm, req.body);
    await forgotPassword(cognito, clientId, form.email);
    deps.log.info('password reset code sent');
    res.redirect(303, `/reset-password?email=${encodeURIComponent(form.email)}`);
  });
  router.get('/reset-password', (req, res) => {
    sendPage(res, 200, resetPasswordPage(pageContext(req, res), queryEmail(req)));
  });
  router.post('/reset-password', rateLimit, async (req, res) => {
    const form = parseForm(ResetPasswordForm, req.body);
    await confirmForgotPassword(cognito, clientId, form);
    deps.log.info('password reset');
    res.redirect(303, '/sign-in?reset=1');
  });
}

/** signInRoutes serve /sign-in and /sign-out. */
function signInRoutes(router: Router, deps: PortalDeps, options: AuthRoutesOptions): void {
  const { pageContext, rateLimit, session } = options;
  router.get('/sign-in', (req, res) => {
    sendPage(res, 200, signInPage(pageContext(req, res), noticeOf(req, SIGN_IN_NOTICES)));
  });
  router.post('/sign-in', rateLimit, async (req, res) => {
    const form = parseForm(CredentialsForm, req.body);
    const tokens = await signInOrUnconfirmed(deps, form);
    if (tokens === undefined) {
      res.redirect(303, confirmUrl(form.email, 'unconfirmed'));
      return;
    }
    const verified = await options.verify(tokens.idToken);
    setSession(res, tokens.idToken, verified, session);
    setRefresh(res, tokens.refreshToken, session);
    res.redirect(303, '/dashboard');
  });
  // Sign-out clears both cookies and revokes the refresh token at Cognito, so a copy of
  // the cookie renews nothing. The user is signed out here either way; a revocation
  // Cognito refuses is logged as an error, since that token stays valid until it expires.
  router.post('/sign-out', async (req, res) => {
    const token = refreshToken(req, session.secure);
    clearSession(res, session.secure);
    if (token !== undefined) {
      try {
        await revokeRefreshToken(deps.cognito, deps.config.cognito.clientId, token);
      } catch (error) {
        deps.log.error(
          errorLogFields(toPortalError(error)),
          'sign-out: Cognito did not revoke the refresh token; it stays valid until it expires',
        );
      }
    }
    res.redirect(303, '/');
  });
}

/** authRouter serves the sign-up, confirmation, sign-in, sign-out and password reset forms. */
export function authRouter(deps: PortalDeps, options: AuthRoutesOptions): Router {
  const router = Router();
  signUpRoutes(router, deps, options);
  passwordRoutes(router, deps, options);
  signInRoutes(router, deps, options);
  return router;
}
