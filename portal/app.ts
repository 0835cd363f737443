// createApp(deps): the portal as an express app without listen, so tests serve it on a
// free port and main.ts is three lines. The order is the security model:
//   1. security headers (helmet, strict CSP: no script, styles and forms from 'self')
//   2. the Stripe webhook, before any body parser (it verifies the raw body) and CSRF
//   3. cookies, a small urlencoded body, the session (res.locals.user), CSRF on every POST
//   4. the pages and forms; billing under /billing
//   5. one error handler rendering the error table's status and message.
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { authRouter } from './auth/routes.ts';
import { createCsrf, type Csrf } from './auth/csrf.ts';
import { renewIdToken } from './auth/cognito.ts';
import { createIdTokenVerifier, type IdTokenVerifier } from './auth/id-token.ts';
import { authRateLimit } from './auth/rate-limit.ts';
import { sessionMiddleware, type SessionOptions } from './auth/session.ts';
import { billingRouter } from './billing/routes.ts';
import { stripeWebhookRouter } from './billing/webhook.ts';
import type { PortalConfig } from './config.ts';
import { connectAwsRouter } from './connect-aws/routes.ts';
import { dashboardRouter } from './dashboard/routes.ts';
import { signedInUser, type PortalDeps } from './deps.ts';
import { errorLogFields, portalError, toPortalError } from './errors.ts';
import { errorPage } from './pages/error.ts';
import type { PageContext } from './pages/layout.ts';
import { STYLESHEET_PATH } from './pages/layout.ts';
import { pricingPage } from './pages/pricing.ts';
import { sendPage, type PageContextOf } from './pages/send.ts';
import { stylesheetRoute } from './pages/style.ts';

/** FORM_BODY_LIMIT bounds a form body: the portal's forms hold a few short fields. */
export const FORM_BODY_LIMIT = '4kb';

/** securityHeaders is helmet with a CSP that allows no script and nothing off-site but form targets. */
export function securityHeaders(config: PortalConfig): express.RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        scriptSrc: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        frameAncestors: ["'none'"],
        formAction: ["'self'", ...config.formActionOrigins],
        upgradeInsecureRequests: config.secureCookies ? [] : null,
      },
    },
    strictTransportSecurity: config.secureCookies,
    referrerPolicy: { policy: 'same-origin' },
  });
}

/** createApp builds the portal from its dependencies. */
export function createApp(deps: PortalDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.http.trustProxy);
  app.use(securityHeaders(config));
  app.use(stripeWebhookRouter(deps));

  const verify: IdTokenVerifier = createIdTokenVerifier(config.cognito, deps.now);
  const csrf: Csrf = createCsrf(config.sessionSecret, config.secureCookies);
  app.use(cookieParser());
  app.use(express.urlencoded({ extended: false, limit: FORM_BODY_LIMIT, parameterLimit: 20 }));
  const session: SessionOptions = {
    secure: config.secureCookies,
    now: deps.now,
    refreshMaxAgeMs: config.sessionMaxAgeMs,
  };
  app.use(
    sessionMiddleware({
      ...session,
      verify,
      renew: async (refresh) => renewIdToken(deps.cognito, config.cognito.clientId, refresh),
      log: deps.log,
    }),
  );
  app.use(csrf.protect);
  const pageContext: PageContextOf = (req, res) => ({
    user: signedInUser(res),
    csrf: csrf.token(req, res),
  });

  app.get(STYLESHEET_PATH, stylesheetRoute);
  app.get('/', async (req, res) => {
    const catalog = await deps.catalog.current();
    sendPage(res, 200, pricingPage(catalog, pageContext(req, res)));
  });
  app.use(
    authRouter(deps, {
      verify,
      pageContext,
      rateLimit: authRateLimit(config.authRateLimit),
      session,
    }),
  );
  app.use(dashboardRouter(deps, pageContext));
  app.use(connectAwsRouter(deps, pageContext));
  app.use('/billing', billingRouter(deps));
  app.use((_req, _res, next) => {
    next(portalError('PageNotFound'));
  });
  app.use(errorHandler(deps, pageContext));
  return app;
}

/**
 * errorHandler renders any error as the table says: its status and sentence, logged with
 * errorLogFields (the code, the cause's name and request ids; never a third party's
 * message, which can quote a person's email, nor a stack, a token or a form).
 */
function errorHandler(
  deps: PortalDeps,
  pageContext: PageContextOf,
): (error: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (error, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const portal = toPortalError(error);
    const entry = { ...errorLogFields(portal), method: req.method, path: req.path };
    if (portal.status >= 500) deps.log.error(entry, 'request failed');
    else deps.log.info(entry, 'request refused');
    if (req.path.startsWith('/webhooks/')) {
      res.status(portal.status).json({ error: portal.code, message: portal.message });
      return;
    }
    sendPage(res, portal.status, errorPage(portal, safeContext(req, res, pageContext)));
  };
}

/** safeContext is the page context, or a signed-out one when even the CSRF token cannot be made. */
function safeContext(req: Request, res: Response, pageContext: PageContextOf): PageContext {
  try {
    return pageContext(req, res);
  } catch {
    return { user: undefined, csrf: '' };
  }
}
