// GET /connect-aws and GET /connect-aws/cloudformation.yaml for the signed-in user: the
// ExternalId comes from the tenant namespace's UID, read live.
import type { V1Namespace } from '@kubernetes/client-node';
import { Router } from 'express';
import type { AwsCredentialRef } from '../../operator/api/v1alpha1/awscredentialref.ts';
import { externalIdFor } from '../../operator/plans/tenancy.ts';
import { requireUser } from '../auth/session.ts';
import { listOurs } from '../dashboard/facts.ts';
import { credentialRows } from '../dashboard/plan.ts';
import { currentUser } from '../dashboard/routes.ts';
import { readTenantNamespace } from '../dashboard/tenant.ts';
import type { PortalDeps } from '../deps.ts';
import { connectAwsPage } from '../pages/connect-aws.ts';
import { settingUpPage } from '../pages/dashboard.ts';
import { sendPage, type PageContextOf } from '../pages/send.ts';
import {
  checkerPolicy,
  credentialRefYaml,
  keyBasedCredentialYaml,
  roleTemplate,
} from './template.ts';

const ROLE_ARN_PLACEHOLDER = 'arn:aws:iam::<your-account-id>:role/AwsCheckReadOnly';

function externalIdOf(namespace: V1Namespace): string {
  const uid = namespace.metadata?.uid;
  if (uid === undefined) throw new Error('the tenant namespace has no uid');
  return externalIdFor(uid);
}

/** connectAwsRouter serves the connect page and its CloudFormation template. */
export function connectAwsRouter(deps: PortalDeps, pageContext: PageContextOf): Router {
  const router = Router();
  const policy = checkerPolicy();
  router.get('/connect-aws', requireUser, async (req, res) => {
    const namespace = await readTenantNamespace(deps.kube, currentUser(res));
    if (namespace?.metadata?.name === undefined) {
      sendPage(res, 200, settingUpPage(pageContext(req, res)));
      return;
    }
    const name = namespace.metadata.name;
    const credentials = await listOurs<AwsCredentialRef>(deps.kube, 'awscredentialrefs', name);
    const view = {
      externalId: externalIdOf(namespace),
      principalArn: deps.config.platformPrincipalArn,
      policyJson: JSON.stringify(policy, null, 2),
      credentialRefYaml: credentialRefYaml(name, ROLE_ARN_PLACEHOLDER),
      keyBasedYaml: keyBasedCredentialYaml(name, ROLE_ARN_PLACEHOLDER),
      credentials: credentialRows(credentials),
    };
    sendPage(res, 200, connectAwsPage(view, pageContext(req, res)));
  });

  router.get('/connect-aws/cloudformation.yaml', requireUser, async (_req, res) => {
    const namespace = await readTenantNamespace(deps.kube, currentUser(res));
    if (namespace === undefined) {
      res.redirect(303, '/dashboard');
      return;
    }
    const text = roleTemplate({
      principalArn: deps.config.platformPrincipalArn,
      externalId: externalIdOf(namespace),
      policy,
    });
    res
      .status(200)
      .type('application/yaml')
      .set('Cache-Control', 'private, no-store')
      .attachment('awscheck-read-only-role.yaml')
      .send(text);
  });
  return router;
}
