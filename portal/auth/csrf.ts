// CSRF: csrf-csrf's double submit on every state-changing request. The token is a hidden
// form field `_csrf` and an httpOnly SameSite=Strict cookie; both must match and carry
// an HMAC over the session (its refresh token, else its ID token, empty when signed out) with the secret.
import { doubleCsrf } from 'csrf-csrf';
import type { Request, RequestHandler, Response } from 'express';
import { sessionBinding } from './session.ts';

/** CSRF_FIELD is the hidden form field every form POST carries. */
export const CSRF_FIELD = '_csrf';

/** csrfCookieName is `__Host-` prefixed over TLS. */
export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-awscheck-csrf' : 'awscheck-csrf';
}

/** Csrf is the middleware that refuses a request without a valid token, and the token maker. */
export interface Csrf {
  readonly protect: RequestHandler;
  /** token is the token for a form in this response (it sets the cookie too). */
  readonly token: (req: Request, res: Response) => string;
}

/** createCsrf protects every method but GET, HEAD and OPTIONS with tokens signed by `secret`. */
export function createCsrf(secret: string, secure: boolean): Csrf {
  const { doubleCsrfProtection, generateCsrfToken } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => sessionBinding(req, secure),
    cookieName: csrfCookieName(secure),
    cookieOptions: { sameSite: 'strict', secure, httpOnly: true, path: '/' },
    getCsrfTokenFromRequest: (req) => {
      const value = (req.body as Record<string, unknown> | undefined)?.[CSRF_FIELD];
      return typeof value === 'string' ? value : undefined;
    },
  });
  return { protect: doubleCsrfProtection, token: (req, res) => generateCsrfToken(req, res) };
}
