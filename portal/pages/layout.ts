// The page shell every portal page shares: one stylesheet (served by stylesheetRoute, so
// the CSP needs no inline style), a navigation that depends on who is signed in, and no
// script at all. Pages are preact + htm rendered to a string: values are escaped.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { SignedInUser } from '../deps.ts';
import { CSRF_FIELD } from '../auth/csrf.ts';

/** PageContext is what every page needs about the request. */
export interface PageContext {
  readonly user: SignedInUser | undefined;
  /** The CSRF token for this response's forms. */
  readonly csrf: string;
}

/** PageOptions tune the shell. */
export interface PageOptions {
  /** Reload the page after this many seconds (a `<meta http-equiv=refresh>`). */
  readonly refreshSeconds?: number;
}

/** STYLESHEET_PATH is where the portal's one stylesheet is served. */
export const STYLESHEET_PATH = '/static/portal.css';

/** csrfField is the hidden CSRF field every form carries. */
export function csrfField(context: PageContext): VNode {
  return html`<input type="hidden" name=${CSRF_FIELD} value=${context.csrf} />`;
}

function navigation(context: PageContext): VNode {
  if (context.user === undefined)
    return html`<nav>
      <a href="/">Pricing</a> <a href="/sign-in">Sign in</a> <a href="/sign-up">Sign up</a>
    </nav>`;
  return html`<nav>
    <a href="/">Pricing</a> <a href="/dashboard">Dashboard</a>
    <a href="/connect-aws">Connect an AWS account</a>
    <form method="post" action="/sign-out" class="inline">
      ${csrfField(context)}
      <button type="submit">Sign out ${context.user.email}</button>
    </form>
  </nav>`;
}

/** renderPage renders a whole HTML document around a page body. */
export function renderPage(
  title: string,
  body: VNode,
  context: PageContext,
  options: PageOptions = {},
): string {
  const refresh =
    options.refreshSeconds === undefined
      ? null
      : html`<meta http-equiv="refresh" content=${String(options.refreshSeconds)} />`;
  const document = html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      ${refresh}
      <title>${title} · awscheck</title>
      <link rel="stylesheet" href=${STYLESHEET_PATH} />
    </head>
    <body>
      <header><strong>awscheck</strong> ${navigation(context)}</header>
      <main>
        <h1>${title}</h1>
        ${body}
      </main>
    </body>
  </html>`;
  return `<!doctype html>${render(document)}`;
}
