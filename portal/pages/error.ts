// The one error page: the table's status and sentence, never a stack or a token.
import { html } from 'htm/preact';
import type { PortalError } from '../errors.ts';
import { renderPage, type PageContext } from './layout.ts';

/** errorPage shows a PortalError's message, its code (for support) and a way on. */
export function errorPage(error: PortalError, context: PageContext): string {
  const body = html`<p class="error">${error.message}</p>
    <p>Error code: <code>${error.code}</code> (HTTP ${error.status})</p>
    <p><a href="/">Back to the start</a></p>`;
  return renderPage('Something went wrong', body, context);
}
