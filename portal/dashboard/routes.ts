// GET /dashboard and GET /kubeconfig for the signed-in user, read live from the cluster.
import { readFile } from 'node:fs/promises';
import { Router } from 'express';
import { TENANT_SERVICE_ACCOUNT } from '../../operator/plans/tenancy.ts';
import { requireUser } from '../auth/session.ts';
import { signedInUser, type PortalDeps, type SignedInUser } from '../deps.ts';
import { portalError } from '../errors.ts';
import { tenantKubeconfig } from '../kubeconfig.ts';
import { dashboardPage, settingUpPage } from '../pages/dashboard.ts';
import { sendPage, type PageContextOf } from '../pages/send.ts';
import { gatherDashboard } from './facts.ts';
import { planDashboard } from './plan.ts';
import { readTenantNamespace } from './tenant.ts';

/** currentUser is the signed-in user of a request that passed requireUser. */
export function currentUser(res: Parameters<typeof signedInUser>[0]): SignedInUser {
  const user = signedInUser(res);
  if (user === undefined) throw portalError('IdTokenInvalid');
  return user;
}

/** kubeconfigCaData is the apiserver CA for tenants' kubeconfigs, base64 as kubeconfigs hold it. */
export async function kubeconfigCaData(deps: PortalDeps): Promise<string> {
  const file = deps.config.kubeconfig.caFile ?? deps.kube.config.getCurrentCluster()?.caFile;
  if (file !== undefined) return (await readFile(file)).toString('base64');
  const data = deps.kube.config.getCurrentCluster()?.caData;
  if (data === undefined) throw new Error('no CA for tenant kubeconfigs: set KUBE_PUBLIC_CA_FILE');
  return data;
}

/** dashboardRouter serves the dashboard and the kubeconfig download. */
export function dashboardRouter(deps: PortalDeps, pageContext: PageContextOf): Router {
  const router = Router();
  router.get('/dashboard', requireUser, async (req, res) => {
    const namespace = await readTenantNamespace(deps.kube, currentUser(res));
    if (namespace === undefined) {
      sendPage(res, 200, settingUpPage(pageContext(req, res)));
      return;
    }
    const view = planDashboard(await gatherDashboard(deps.kube, deps.catalog, namespace));
    sendPage(res, 200, dashboardPage(view, pageContext(req, res)));
  });

  router.get('/kubeconfig', requireUser, async (_req, res) => {
    const namespace = await readTenantNamespace(deps.kube, currentUser(res));
    if (namespace?.metadata?.name === undefined) {
      res.redirect(303, '/dashboard');
      return;
    }
    const text = await tenantKubeconfig(deps.kube, {
      namespace: namespace.metadata.name,
      server: deps.config.kubeconfig.server,
      caData: await kubeconfigCaData(deps),
      expirationSeconds: deps.config.kubeconfig.tokenSeconds,
    });
    deps.log.info(
      { namespace: namespace.metadata.name, serviceAccount: TENANT_SERVICE_ACCOUNT },
      'kubeconfig issued',
    );
    res
      .status(200)
      .type('application/yaml')
      .set('Cache-Control', 'no-store')
      .attachment(`awscheck-${namespace.metadata.name}.kubeconfig`)
      .send(text);
  });
  return router;
}
