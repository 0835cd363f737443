// The session: the verified Cognito ID token itself, in an httpOnly, SameSite=Lax cookie
// (Secure and `__Host-` when the portal is served over TLS) that expires with the token.
// Every request verifies it again, so a forged, expired or foreign token is never a user.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { SignedInUser } from '../deps.ts';
import { PortalError } from '../errors.ts';
import type { IdTokenVerifier, VerifiedIdToken } from './id-token.ts';

/** sessionCookieName is `__Host-` prefixed over TLS, so no subdomain can set or widen it. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-awscheck-session' : 'awscheck-session';
}

/** SessionOptions say how the session cookie is written. */
export interface SessionOptions {
  readonly secure: boolean;
  readonly now: () => Date;
}

/** setSession writes the session cookie for a verified token, expiring with it. */
export function setSession(
  res: Response,
  token: string,
  verified: VerifiedIdToken,
  options: SessionOptions,
): void {
  const maxAge = verified.expiresAt.getTime() - options.now().getTime();
  res.cookie(sessionCookieName(options.secure), token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: options.secure,
    path: '/',
    maxAge,
  });
}

/** clearSession removes the session cookie. */
export function clearSession(res: Response, secure: boolean): void {
  res.clearCookie(sessionCookieName(secure), {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
  });
}

/** sessionToken is the request's session cookie, or undefined. */
export function sessionToken(req: Request, secure: boolean): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[sessionCookieName(secure)];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * sessionMiddleware sets res.locals.user from a valid session cookie. A refused token
 * clears the cookie and the request goes on signed out; a failure to verify at all (the
 * JWKS unreachable) is an error, never a silent sign-out.
 */
export function sessionMiddleware(
  verify: IdTokenVerifier,
  secure: boolean,
  log: Logger,
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = sessionToken(req, secure);
    if (token === undefined) {
      next();
      return;
    }
    verify(token).then(
      (verified) => {
        (res.locals as { user?: SignedInUser }).user = verified.user;
        next();
      },
      (error: unknown) => {
        if (!(error instanceof PortalError)) {
          next(error);
          return;
        }
        log.info(
          { code: error.code, reason: (error.cause as Error | undefined)?.name },
          'session refused',
        );
        clearSession(res, secure);
        // The refused token also stops binding this request's CSRF tokens.
        (req.cookies as Record<string, unknown>)[sessionCookieName(secure)] = undefined;
        next();
      },
    );
  };
}

/** requireUser sends a signed-out request to the sign-in page. */
export const requireUser: RequestHandler = (_req, res, next) => {
  if ((res.locals as { user?: SignedInUser }).user === undefined) {
    res.redirect(303, '/sign-in');
    return;
  }
  next();
};
