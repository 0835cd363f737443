// The session: the verified Cognito ID token in an httpOnly, SameSite=Lax cookie that
// expires with the token, beside the refresh token in its own httpOnly, SameSite=Lax
// cookie (both Secure and `__Host-` when the portal is served over TLS, so no subdomain
// can set them). Every request verifies the ID token again, so a forged or foreign token
// is never a user. An expired (or dropped) ID token is renewed with the refresh token
// through the pool and the new token verified exactly like the first; a refresh token the
// pool refuses ends the session. The refresh cookie is not path-limited: renewal happens
// in front of every page and form, so a form posted after the hour still goes through.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { errors as joseErrors } from 'jose';
import type { Logger } from 'pino';
import type { SignedInUser } from '../deps.ts';
import { PortalError } from '../errors.ts';
import type { IdTokenVerifier, VerifiedIdToken } from './id-token.ts';

/** sessionCookieName is `__Host-` prefixed over TLS, so no subdomain can set or widen it. */
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-awscheck-session' : 'awscheck-session';
}

/** refreshCookieName is the refresh token's cookie, `__Host-` prefixed over TLS. */
export function refreshCookieName(secure: boolean): string {
  return secure ? '__Host-awscheck-refresh' : 'awscheck-refresh';
}

/** SessionOptions say how the session cookies are written. */
export interface SessionOptions {
  readonly secure: boolean;
  readonly now: () => Date;
  /** How long the refresh cookie lives: at most the app client's refresh token validity. */
  readonly refreshMaxAgeMs: number;
}

function cookieOptions(secure: boolean): {
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
  path: string;
} {
  return { httpOnly: true, sameSite: 'lax', secure, path: '/' };
}

/** setSession writes the ID token cookie for a verified token, expiring with it. */
export function setSession(
  res: Response,
  token: string,
  verified: VerifiedIdToken,
  options: SessionOptions,
): void {
  const maxAge = verified.expiresAt.getTime() - options.now().getTime();
  res.cookie(sessionCookieName(options.secure), token, {
    ...cookieOptions(options.secure),
    maxAge,
  });
}

/** setRefresh writes the refresh token cookie of a sign-in. */
export function setRefresh(res: Response, refreshToken: string, options: SessionOptions): void {
  res.cookie(refreshCookieName(options.secure), refreshToken, {
    ...cookieOptions(options.secure),
    maxAge: options.refreshMaxAgeMs,
  });
}

/** clearSession removes both session cookies. */
export function clearSession(res: Response, secure: boolean): void {
  res.clearCookie(sessionCookieName(secure), cookieOptions(secure));
  res.clearCookie(refreshCookieName(secure), cookieOptions(secure));
}

function cookie(req: Request, name: string): string | undefined {
  const value = (req.cookies as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** sessionToken is the request's ID token cookie, or undefined. */
export function sessionToken(req: Request, secure: boolean): string | undefined {
  return cookie(req, sessionCookieName(secure));
}

/** refreshToken is the request's refresh token cookie, or undefined. */
export function refreshToken(req: Request, secure: boolean): string | undefined {
  return cookie(req, refreshCookieName(secure));
}

/**
 * sessionBinding is what CSRF tokens are bound to: the refresh token (it outlives each
 * renewal, so a form shown before a renewal still posts), else the ID token, else ''.
 */
export function sessionBinding(req: Request, secure: boolean): string {
  return refreshToken(req, secure) ?? sessionToken(req, secure) ?? '';
}

/** SessionMiddlewareOptions are what the session middleware needs. */
export interface SessionMiddlewareOptions extends SessionOptions {
  readonly verify: IdTokenVerifier;
  /** renew trades a refresh token for a new ID token; it throws a PortalError on refusal. */
  readonly renew: (refreshToken: string) => Promise<string>;
  readonly log: Logger;
}

type Verdict = { user: SignedInUser } | { refused: PortalError };

/** judge verifies a token: a user, or the PortalError refusing it; anything else is thrown. */
async function judge(verify: IdTokenVerifier, token: string): Promise<Verdict> {
  try {
    return { user: (await verify(token)).user };
  } catch (error) {
    if (error instanceof PortalError) return { refused: error };
    throw error;
  }
}

/** renewable says whether a refused ID token may be renewed: only one that merely expired. */
function renewable(verdict: Verdict): boolean {
  return 'refused' in verdict && verdict.refused.cause instanceof joseErrors.JWTExpired;
}

/** renewSession renews the ID token, verifies it like the first and writes its cookie. */
async function renewSession(
  req: Request,
  res: Response,
  refresh: string,
  options: SessionMiddlewareOptions,
): Promise<Verdict> {
  let token: string;
  try {
    token = await options.renew(refresh);
    const verified = await options.verify(token);
    setSession(res, token, verified, options);
    (req.cookies as Record<string, unknown>)[sessionCookieName(options.secure)] = token;
    options.log.info('session renewed');
    return { user: verified.user };
  } catch (error) {
    if (error instanceof PortalError) return { refused: error };
    throw error;
  }
}

/** resolveSession is the request's user, renewing or ending the session as needed. */
async function resolveSession(
  req: Request,
  res: Response,
  options: SessionMiddlewareOptions,
): Promise<Verdict | undefined> {
  const token = sessionToken(req, options.secure);
  const refresh = refreshToken(req, options.secure);
  if (token === undefined && refresh === undefined) return undefined;
  const first = token === undefined ? undefined : await judge(options.verify, token);
  if (first !== undefined && 'user' in first) return first;
  if (refresh === undefined || (first !== undefined && !renewable(first))) return first;
  return renewSession(req, res, refresh, options);
}

/** endSession clears both cookies, and stops them binding this request's CSRF tokens. */
function endSession(
  req: Request,
  res: Response,
  refused: PortalError,
  options: SessionMiddlewareOptions,
): void {
  options.log.info(
    { code: refused.code, reason: (refused.cause as Error | undefined)?.name },
    'session refused',
  );
  clearSession(res, options.secure);
  const cookies = req.cookies as Record<string, unknown>;
  cookies[sessionCookieName(options.secure)] = undefined;
  cookies[refreshCookieName(options.secure)] = undefined;
}

/**
 * sessionMiddleware sets res.locals.user from a valid (or renewed) session. A refused
 * session clears both cookies and the request goes on signed out; a failure to verify or
 * renew at all (the JWKS or the pool unreachable) is an error, never a silent sign-out.
 */
export function sessionMiddleware(options: SessionMiddlewareOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    resolveSession(req, res, options).then(
      (verdict) => {
        if (verdict !== undefined && 'user' in verdict)
          (res.locals as { user?: SignedInUser }).user = verdict.user;
        else if (verdict !== undefined) endSession(req, res, verdict.refused, options);
        next();
      },
      (error: unknown) => {
        next(error);
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
