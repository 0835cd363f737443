// AwsAccountChecks: the usual shape of a tenant's checks, one AwsCredentialRef and the
// AwsChecks that run with it, declared together so a check can never name a credential ref
// that is not there.
import { Construct } from 'constructs';
import {
  AwsCheck,
  AwsCredentialRef,
  type AwsCheckSpec,
  type AwsCredentialRefSpec,
} from './imports/awscheck.io.ts';

/** AwsAccountCheckSpec is an AwsCheck's spec without its credentialRef, which the construct sets. */
export type AwsAccountCheckSpec = Omit<AwsCheckSpec, 'credentialRef'>;

/** AwsAccountChecksProps name the credential ref, where its keys or role come from, and the checks. */
export interface AwsAccountChecksProps {
  /** Name of the AwsCredentialRef; each check is named `<name>-<key of checks>`. */
  readonly name: string;
  /** Namespace of every object; by default the chart's. */
  readonly namespace?: string;
  /** The credential ref's spec: secretRef, assumeRole or both, and its region. */
  readonly credentials: AwsCredentialRefSpec;
  /** The checks, by a short name unique within this account. */
  readonly checks: Readonly<Record<string, AwsAccountCheckSpec>>;
  /** Labels on every object, e.g. the team that owns the account. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** AwsAccountChecks declares one AwsCredentialRef and AwsChecks that run with it. */
export class AwsAccountChecks extends Construct {
  public readonly credentialRef: AwsCredentialRef;
  public readonly checks: ReadonlyMap<string, AwsCheck>;

  public constructor(scope: Construct, id: string, props: AwsAccountChecksProps) {
    super(scope, id);
    const metadata = (
      name: string,
    ): { name: string; namespace?: string; labels?: Record<string, string> } => ({
      name,
      ...(props.namespace !== undefined && { namespace: props.namespace }),
      ...(props.labels !== undefined && { labels: { ...props.labels } }),
    });
    this.credentialRef = new AwsCredentialRef(this, 'credentials', {
      metadata: metadata(props.name),
      spec: props.credentials,
    });
    this.checks = new Map(
      Object.entries(props.checks).map(([key, spec]) => [
        key,
        new AwsCheck(this, key, {
          metadata: metadata(`${props.name}-${key}`),
          spec: { ...spec, credentialRef: { name: props.name } },
        }),
      ]),
    );
  }
}
