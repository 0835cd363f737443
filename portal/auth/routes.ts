// Sign-up → confirm → sign-in → sign-out. Every POST is CSRF-checked before it gets here
// (createApp) and sign-up, confirm and sign-in are rate-limited; a signed-in session is
// the verified ID token in a cookie (session.ts).
import { Router, type RequestHandler } from 'express';
import type { PortalDeps } from '../deps.ts';
import { confirmPage, signInPage, signUpPage } from '../pages/auth.ts';
import { sendPage, type PageContextOf } from '../pages/send.ts';
import { confirmSignUp, signIn, signUp } from './cognito.ts';
import { ConfirmForm, CredentialsForm, parseForm } from './forms.ts';
import type { IdTokenVerifier } from './id-token.ts';
import { clearSession, setSession } from './session.ts';

/** AuthRoutesOptions are what the auth routes need besides the deps. */
export interface AuthRoutesOptions {
  readonly verify: IdTokenVerifier;
  readonly pageContext: PageContextOf;
  readonly rateLimit: RequestHandler;
}

/** authRouter serves /sign-up, /confirm, /sign-in and /sign-out. */
export function authRouter(deps: PortalDeps, options: AuthRoutesOptions): Router {
  const { cognito, config } = deps;
  const { clientId } = config.cognito;
  const { pageContext, rateLimit } = options;
  const router = Router();

  router.get('/sign-up', (req, res) => {
    sendPage(res, 200, signUpPage(pageContext(req, res)));
  });
  router.post('/sign-up', rateLimit, async (req, res) => {
    const form = parseForm(CredentialsForm, req.body);
    await signUp(cognito, clientId, form);
    deps.log.info('user signed up');
    res.redirect(303, `/confirm?email=${encodeURIComponent(form.email)}`);
  });

  router.get('/confirm', (req, res) => {
    const email = typeof req.query.email === 'string' ? req.query.email : '';
    sendPage(res, 200, confirmPage(pageContext(req, res), email));
  });
  router.post('/confirm', rateLimit, async (req, res) => {
    const form = parseForm(ConfirmForm, req.body);
    await confirmSignUp(cognito, clientId, form.email, form.code);
    res.redirect(303, '/sign-in?confirmed=1');
  });

  router.get('/sign-in', (req, res) => {
    sendPage(res, 200, signInPage(pageContext(req, res), req.query.confirmed === '1'));
  });
  router.post('/sign-in', rateLimit, async (req, res) => {
    const form = parseForm(CredentialsForm, req.body);
    const token = await signIn(cognito, clientId, form);
    const verified = await options.verify(token);
    setSession(res, token, verified, { secure: config.secureCookies, now: deps.now });
    res.redirect(303, '/dashboard');
  });

  router.post('/sign-out', (_req, res) => {
    clearSession(res, config.secureCookies);
    res.redirect(303, '/');
  });
  return router;
}
