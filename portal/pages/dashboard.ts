// The dashboard: the tenant's namespace, plan, subscription, usage against every limit,
// each check and each credential ref; or, before provisioning, a page that reloads itself.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ConditionView, DashboardView } from '../dashboard/plan.ts';
import { csrfField, renderPage, type PageContext } from './layout.ts';

/** SETTING_UP_REFRESH_SECONDS is how often the setting-up page reloads itself. */
export const SETTING_UP_REFRESH_SECONDS = 5;

function verdict(view: ConditionView): VNode {
  const kind = view.status === 'True' ? 'ok' : view.status === 'False' ? 'bad' : '';
  return html`<span class=${kind}>${view.status}</span> <small>${view.reason}</small>`;
}

// table is a table with one header row and the given body rows.
function table(headers: readonly string[], rows: readonly VNode[]): VNode {
  return html`<table>
    <thead>
      <tr>
        ${headers.map((header) => html`<th>${header}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;
}

function usageTable(view: DashboardView): VNode {
  const rows = view.usage.map(
    (row) =>
      html`<tr class=${row.over ? 'bad' : ''}>
        <td>${row.limit}</td>
        <td>${row.used}</td>
        <td>${row.allowed}</td>
      </tr>`,
  );
  return table(['Limit', 'Used', 'Allowed'], rows);
}

function checksTable(view: DashboardView): VNode {
  if (view.checks.length === 0)
    return html`<p>No checks yet. Download the kubeconfig and <code>kubectl apply</code> one.</p>`;
  const rows = view.checks.map(
    (check) =>
      html`<tr>
        <td>${check.name}</td>
        <td>${check.service}</td>
        <td>${verdict(check.ready)}</td>
        <td>${verdict(check.healthy)}</td>
        <td>${check.lastRun ?? 'not yet'}</td>
        <td>${check.message}</td>
      </tr>`,
  );
  return table(['Check', 'Service', 'Ready', 'Healthy', 'Last run', 'Message'], rows);
}

/** credentialsTable lists credential refs and their verdicts (shared with connect-aws). */
export function credentialsTable(view: Pick<DashboardView, 'credentials'>): VNode {
  if (view.credentials.length === 0) return html`<p>No AWS credential refs yet.</p>`;
  const rows = view.credentials.map(
    (ref) =>
      html`<tr>
        <td>${ref.name}</td>
        <td>${verdict(ref.ready)}</td>
        <td>${ref.accountId ?? '-'}</td>
        <td>${ref.message}</td>
      </tr>`,
  );
  return table(['Credential ref', 'Ready', 'AWS account', 'Message'], rows);
}

function billing(view: DashboardView, context: PageContext): VNode | null {
  if (!view.stripeCustomer) return null;
  return html`<form method="post" action="/billing/portal">
    ${csrfField(context)}
    <button type="submit">Manage billing</button>
  </form>`;
}

/** dashboardPage shows a provisioned tenant. */
export function dashboardPage(view: DashboardView, context: PageContext): string {
  const body = html`<dl>
      <dt>Namespace</dt>
      <dd><code>${view.namespace}</code></dd>
      <dt>Plan</dt>
      <dd>${view.planLabel}</dd>
      <dt>Subscription</dt>
      <dd>${view.subscriptionStatus}</dd>
    </dl>
    <p>
      <a href="/kubeconfig">Download your kubeconfig</a> ·
      <a href="/connect-aws">Connect an AWS account</a> · <a href="/">Change plan</a>
    </p>
    ${billing(view, context)}
    <h2>Usage</h2>
    ${usageTable(view)}
    <h2>Checks</h2>
    ${checksTable(view)}
    <h2>AWS credentials</h2>
    ${credentialsTable(view)}`;
  return renderPage('Dashboard', body, context);
}

/** settingUpPage is shown until the tenant's namespace exists; it reloads itself. */
export function settingUpPage(context: PageContext): string {
  const body = html`<p>
      We are setting up your account. This page reloads by itself every
      ${SETTING_UP_REFRESH_SECONDS} seconds.
    </p>
    <p>Not chosen a plan yet? <a href="/">Choose one</a> (the free plan needs no card).</p>`;
  return renderPage('Setting up your account', body, context, {
    refreshSeconds: SETTING_UP_REFRESH_SECONDS,
  });
}
