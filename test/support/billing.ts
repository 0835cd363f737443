// Billing test support: a provisioner for the test portal that counts every write request
// it sends to the apiserver (and can be made to fail the next ones, as an apiserver outage
// would), and Stripe subscription events built on stripe-mock's fixtures.
import { ApiException } from '@kubernetes/client-node';
import type Stripe from 'stripe';
import type { MakeProvisioner } from '../../portal/deps.ts';
import { provisionClient, type ProvisionClient } from '../../portal/provisioning/client.ts';
import { createProvisioner } from '../../portal/provisioning/provisioner.ts';
import type { ProvisionOutcome } from '../../portal/provisioning/tenant-state.ts';
import {
  eventOf,
  randomId,
  subscriptionObject,
  type StandInSubscription,
  type StripeFixtures,
} from '../env/stripe-events.ts';

/** ProvisionCounter watches the provisioning of a test portal. */
export interface ProvisionCounter {
  readonly makeProvisioner: MakeProvisioner;
  /** writes are the write requests provisioning sent (failed ones included). */
  writes(): number;
  /** creates are the Namespace creates among them (a tenant provisioned for the first time). */
  creates(): number;
  /** outcomes are what each provisioning reported, in order of completion. */
  readonly outcomes: ProvisionOutcome[];
  /** failWrites makes the next `count` writes fail with a 503 before reaching the apiserver. */
  failWrites(count: number): void;
}

/** provisionCounter wraps the real Provisioner's client to count and fail writes. */
export function provisionCounter(): ProvisionCounter {
  let writes = 0;
  let creates = 0;
  let failing = 0;
  const outcomes: ProvisionOutcome[] = [];
  const gate = <T>(write: () => Promise<T>): Promise<T> => {
    writes += 1;
    if (failing === 0) return write();
    failing -= 1;
    return Promise.reject(
      new ApiException(503, 'injected outage', '{"reason":"ServiceUnavailable"}', {}),
    );
  };
  const counting = (real: ProvisionClient): ProvisionClient => ({
    ...real,
    apply: (object) => gate(() => real.apply(object)),
    createNamespace: (namespace) => {
      creates += 1;
      return gate(() => real.createNamespace(namespace));
    },
  });
  return {
    makeProvisioner: (deps) => {
      const provisioner = createProvisioner({
        ...deps,
        client: counting(provisionClient(deps.kube)),
      });
      return {
        provision: async (state) => {
          const outcome = await provisioner.provision(state);
          outcomes.push(outcome);
          return outcome;
        },
      };
    },
    writes: () => writes,
    creates: () => creates,
    outcomes,
    failWrites: (count) => {
      failing = count;
    },
  };
}

/** newSubscription is a subscription of a tenant to a price, created `created` seconds. */
export function newSubscription(
  tenantId: string,
  priceId: string,
  created: number,
): StandInSubscription {
  return { id: randomId('sub'), customerId: randomId('cus'), priceId, tenantId, created };
}

/** subscriptionEvent is a customer.subscription.* event of a subscription in a status. */
export function subscriptionEvent(
  fixtures: StripeFixtures,
  subscription: StandInSubscription,
  change: { type: string; status: Stripe.Subscription.Status; created: number },
): Stripe.Event {
  const object = subscriptionObject(fixtures, subscription, change.status, change.created);
  return eventOf(fixtures, change.type, object, change.created);
}
