// The landing page: the sellable plans of the catalog in force, with every limit. A
// signed-in user chooses one with a form POST /billing/checkout (field `plan`); the free
// plan needs no card. Signed-out visitors are sent to sign up first.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { sellablePlans, type Plan, type PlanCatalog } from '../../operator/plans/catalog.ts';
import { duration, price } from './format.ts';
import { csrfField, renderPage, type PageContext } from './layout.ts';

/** planLimits lists every limit of a plan. */
export function planLimits(plan: Plan): VNode {
  return html`<ul>
    <li>${plan.maxChecks} checks</li>
    <li>${plan.maxCredentialRefs} AWS credential refs</li>
    <li>A run at most every ${duration(plan.minScheduleIntervalSeconds)}</li>
    <li>${plan.maxRegionsPerCheck} regions per check</li>
    <li>${plan.maxConcurrentRuns} runs at once</li>
    <li>Checker pods of ${plan.checker.cpu} CPU and ${plan.checker.memory} memory</li>
    <li>Services: ${plan.allowedServices.join(', ')}</li>
  </ul>`;
}

function choose(name: string, plan: Plan, context: PageContext): VNode {
  if (context.user === undefined) return html`<a href="/sign-up">Sign up to start</a>`;
  const label = plan.stripePriceId === undefined ? 'Start free' : `Choose ${plan.displayName}`;
  return html`<form method="post" action="/billing/checkout">
    ${csrfField(context)}
    <input type="hidden" name="plan" value=${name} />
    <button type="submit">${label}</button>
  </form>`;
}

/** pricingPage shows every sellable plan, cheapest first. */
export function pricingPage(catalog: PlanCatalog, context: PageContext): string {
  const plans = sellablePlans(catalog).map(
    ({ name, plan }) =>
      html`<section class="plan" id=${`plan-${name}`}>
        <h2>${plan.displayName}</h2>
        <p>${price(plan)}</p>
        ${planLimits(plan)} ${choose(name, plan, context)}
      </section>`,
  );
  const body = html`<p>
      Scheduled health checks of your AWS accounts, declared as Kubernetes resources.
    </p>
    <div class="plans">${plans}</div>`;
  return renderPage('Plans', body, context);
}
