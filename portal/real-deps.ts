// The portal's real dependencies for a configuration: the apiserver clients of its own
// identity, Stripe, the Cognito user pool, the catalog ConfigMap, a pino logger that
// redacts cookies and authorization headers, and the wall clock.
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { KubeConfig } from '@kubernetes/client-node';
import { makeTypedClients } from '../operator/kube-typed.ts';
import { pino, type Logger } from 'pino';
import { createStripeClient } from './billing/stripe.ts';
import { configMapCatalog } from './catalog-source.ts';
import type { PortalConfig } from './config.ts';
import type { MakeProvisioner, PortalDeps, PortalKube } from './deps.ts';

/** portalLogger logs JSON at the configured level, never a cookie or a token. */
export function portalLogger(level: string): Logger {
  return pino({
    name: 'awscheck-portal',
    level,
    redact: ['req.headers.cookie', 'req.headers.authorization', '*.token', '*.password'],
  });
}

/** portalKube is the portal's apiserver clients of a kubeconfig, every call bounded. */
export function portalKube(kubeConfig: KubeConfig, requestTimeoutMs: number): PortalKube {
  const { core, custom } = makeTypedClients(kubeConfig, { requestTimeoutMs });
  return { config: kubeConfig, core, custom, requestTimeoutMs };
}

/** RealDepsOptions are what the environment decides besides the configuration. */
export interface RealDepsOptions {
  readonly kubeConfig: KubeConfig;
  readonly makeProvisioner: MakeProvisioner;
  readonly log?: Logger;
  readonly now?: () => Date;
}

/** realDeps builds every dependency of createApp for a configuration. */
export function realDeps(config: PortalConfig, options: RealDepsOptions): PortalDeps {
  const kube = portalKube(options.kubeConfig, config.kubeTimeoutMs);
  const log = options.log ?? portalLogger(config.logLevel);
  const now = options.now ?? ((): Date => new Date());
  const catalog = configMapCatalog({
    core: kube.core,
    namespace: config.operatorNamespace,
    cacheMs: config.catalogCacheMs,
    now,
  });
  const cognito = new CognitoIdentityProviderClient({
    region: config.cognito.region,
    ...(config.cognito.endpoint !== undefined && { endpoint: config.cognito.endpoint }),
    maxAttempts: 2,
  });
  return {
    config,
    kube,
    stripe: createStripeClient(config.stripe),
    cognito,
    catalog,
    provisioner: options.makeProvisioner({ kube, catalog, log }),
    log,
    now,
  };
}
