// How every page leaves the portal: HTML, a status, never cached by shared caches.
import type { Request, Response } from 'express';
import type { PageContext } from './layout.ts';

/** PageContextOf builds a page's context (user, CSRF token) for one request. */
export type PageContextOf = (req: Request, res: Response) => PageContext;

/** sendPage sends a rendered page with a status. */
export function sendPage(res: Response, status: number, page: string): void {
  res.status(status).type('html').set('Cache-Control', 'private, no-store').send(page);
}
