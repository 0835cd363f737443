// The cdk8s library tenants use in their own GitOps repositories (`awscheck-operator/cdk8s`):
// the typed constructs of AwsCheck and AwsCredentialRef imported from our CRDs, and
// AwsAccountChecks, which declares a credential ref with the checks that use it.
export * from './imports/awscheck.io.ts';
export {
  AwsAccountChecks,
  type AwsAccountCheckSpec,
  type AwsAccountChecksProps,
} from './account-checks.ts';
