// "Connect an AWS account": the ExternalId, the principal to trust, the policy, the
// CloudFormation download, then the AwsCredentialRef to apply and each ref's verdict.
import { html } from 'htm/preact';
import type { CredentialRow } from '../dashboard/plan.ts';
import { credentialsTable } from './dashboard.ts';
import { renderPage, type PageContext } from './layout.ts';

const USER_EXAMPLE = 'arn:aws:iam::<account-id>:user/awscheck';

/** ConnectAwsView is what the page shows for one tenant. */
export interface ConnectAwsView {
  readonly externalId: string;
  readonly principalArn: string;
  readonly policyJson: string;
  /** assumeRole alone: starts from the platform identity. */
  readonly credentialRefYaml: string;
  /** The alternative: a Secret of access keys, secretRef and assumeRole. */
  readonly keyBasedYaml: string;
  readonly credentials: readonly CredentialRow[];
}

/** connectAwsPage walks a tenant through trusting the platform with a read-only role. */
export function connectAwsPage(view: ConnectAwsView, context: PageContext): string {
  const body = html`<p>
      awscheck reads your account through a read-only IAM role in it that trusts the platform, only
      when the platform presents your ExternalId.
    </p>
    <dl>
      <dt>Your ExternalId</dt>
      <dd><code>${view.externalId}</code></dd>
      <dt>Principal to trust</dt>
      <dd><code>${view.principalArn}</code></dd>
    </dl>
    <h2>1. Create the role</h2>
    <p>
      <a href="/connect-aws/cloudformation.yaml" download>Download the CloudFormation template</a>
      and create a stack from it (the role trusts exactly that principal with exactly that
      ExternalId, and holds exactly this policy):
    </p>
    <pre><code>${view.policyJson}</code></pre>
    <h2>2. Tell awscheck the role</h2>
    <p>
      Put the stack's <code>RoleArn</code> output in this AwsCredentialRef and apply it with your
      kubeconfig:
    </p>
    <pre><code>${view.credentialRefYaml}</code></pre>
    <aside class="note" id="platform-identity">
      <p>
        <strong>For the operator's administrator:</strong> this AwsCredentialRef names
        <code>assumeRole</code> alone, so the checker starts from the platform identity. That works
        only when the operator runs with <code>AWSCHECK_ALLOW_PLATFORM_IDENTITY=true</code> and
        <code>AWSCHECK_PLATFORM_ROLE_ARN</code> is the same principal as the one above
        (<code>${view.principalArn}</code>, the portal's <code>PLATFORM_PRINCIPAL_ARN</code>).
        Otherwise the ref turns <code>Ready=False</code>: <code>InvalidConfiguration</code> where
        the operator does not allow the platform identity, <code>PermissionDenied</code> where the
        role trusts another principal than the one the checker runs as. Then use the alternative
        below.
      </p>
    </aside>
    <h3 id="access-keys">Alternative: start from access keys of your own</h3>
    <p>
      Without the platform identity, the checker starts from access keys you keep in a Secret of
      your namespace and assumes the role with them. Create an IAM user (or use a role whose keys
      you hold) with nothing but <code>sts:AssumeRole</code> on the role, and change the role's
      trust policy: its <code>Principal</code> must be that user's ARN (for example
      <code>${USER_EXAMPLE}</code>) instead of <code>${view.principalArn}</code>; keep the
      <code>sts:ExternalId</code> condition, the checker still sends your ExternalId. Then apply:
    </p>
    <pre><code>${view.keyBasedYaml}</code></pre>
    <h2>3. The verdict</h2>
    ${credentialsTable(view)}`;
  return renderPage('Connect an AWS account', body, context);
}
