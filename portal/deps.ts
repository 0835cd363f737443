// Everything the portal's routes depend on, injected: createApp(deps) builds the app from
// these, so tests hand in real clients pointed at the test environment (or a fault).
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { Response } from 'express';
import type { Logger } from 'pino';
import type Stripe from 'stripe';
import type { PlanCatalog } from '../operator/plans/catalog.ts';
import type { PortalConfig } from './config.ts';
import type { Provisioner } from './provisioning/tenant-state.ts';

/** PortalKube are the apiserver clients of the portal's own identity. */
export interface PortalKube {
  readonly config: KubeConfig;
  /** The deadline of every call made with these clients and those built from `config`. */
  readonly requestTimeoutMs: number;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
}

/** CatalogSource yields the plan catalog in force (the ConfigMap, read fresh enough). */
export interface CatalogSource {
  current(): Promise<PlanCatalog>;
}

/** PortalDeps is what createApp needs. */
export interface PortalDeps {
  readonly config: PortalConfig;
  readonly kube: PortalKube;
  readonly stripe: Stripe;
  readonly cognito: CognitoIdentityProviderClient;
  readonly catalog: CatalogSource;
  readonly provisioner: Provisioner;
  readonly log: Logger;
  readonly now: () => Date;
}

/** SignedInUser is the user of a request with a valid session. */
export interface SignedInUser {
  /** The Cognito `sub`: the tenant's id. */
  readonly tenantId: string;
  readonly email: string;
}

/** signedInUser is the request's user, set by the session middleware; undefined when signed out. */
export function signedInUser(res: Response): SignedInUser | undefined {
  return (res.locals as { user?: SignedInUser }).user;
}

/** MakeProvisioner builds the provisioner from the portal's clients (provisioning/provisioner.ts). */
export type MakeProvisioner = (deps: {
  kube: PortalKube;
  catalog: CatalogSource;
  log: Logger;
}) => Provisioner;
