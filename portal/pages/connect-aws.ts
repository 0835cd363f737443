// "Connect an AWS account": the ExternalId, the principal to trust, the policy, the
// CloudFormation download, then the AwsCredentialRef to apply and each ref's verdict.
import { html } from 'htm/preact';
import type { CredentialRow } from '../dashboard/plan.ts';
import { credentialsTable } from './dashboard.ts';
import { renderPage, type PageContext } from './layout.ts';

/** ConnectAwsView is what the page shows for one tenant. */
export interface ConnectAwsView {
  readonly externalId: string;
  readonly principalArn: string;
  readonly policyJson: string;
  readonly credentialRefYaml: string;
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
    <h2>3. The verdict</h2>
    ${credentialsTable(view)}`;
  return renderPage('Connect an AWS account', body, context);
}
