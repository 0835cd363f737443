// Flux health checks for our kinds: Kustomization spec.healthCheckExprs, CEL over the
// object's top-level fields (apiVersion, kind, metadata, spec, status). Flux first calls
// an object whose status.observedGeneration differs from metadata.generation InProgress,
// then evaluates inProgress, failed and current in that order; the first that is true
// decides, and none true is InProgress. The rules match the Argo CD scripts beside this
// file, row for row of one table (testing/fixtures.ts); Flux has no Suspended, so a
// suspended check that is set up is Current.
import { API_VERSION } from '../v1alpha1/common.ts';

/** HealthCheckExprs is one entry of a Kustomization's spec.healthCheckExprs. */
export interface HealthCheckExprs {
  readonly apiVersion: string;
  readonly kind: 'AwsCheck' | 'AwsCredentialRef';
  readonly inProgress: string;
  readonly failed: string;
  readonly current: string;
}

const condition = (type: string, status: 'True' | 'False'): string =>
  `status.conditions.exists(c, c.type == '${type}' && c.status == '${status}')`;

// Each rule is a named piece, so the three expressions read as the Lua does. Condition
// pieces assume status.conditions exists; each expression checks that first.
const NOT_OBSERVED =
  '!has(status.observedGeneration) || status.observedGeneration != metadata.generation';
const NO_CONDITIONS = '!has(status.conditions)';
const HAS_CONDITIONS = 'has(status.conditions)';
const STALLED = condition('Stalled', 'True');
const RECONCILING = condition('Reconciling', 'True');
const READY = condition('Ready', 'True');
const NOT_READY = condition('Ready', 'False');
const HEALTHY = condition('Healthy', 'True');
const UNHEALTHY = condition('Healthy', 'False');
const SUSPENDED = '(has(spec.suspend) && spec.suspend)';
const ON_SCHEDULE = "(has(spec.firstRun) && spec.firstRun == 'OnSchedule')";
// SETTLING: not observed, healing by itself, or no verdict on Ready yet.
const SETTLING = `${NOT_OBSERVED} || ${NO_CONDITIONS} || (!${STALLED} && (${RECONCILING} || (!${READY} && !${NOT_READY})))`;
// AWAITING_FIRST_RUN: set up, and the run the operator starts at once has not ended.
const AWAITING_FIRST_RUN = `(!${STALLED} && ${READY} && !${SUSPENDED} && !${HEALTHY} && !${UNHEALTHY} && !${ON_SCHEDULE})`;

/** AWSCHECK_HEALTH: Stalled, Ready=False or a failed latest run fail; a passed run (or a suspended or later-scheduled check) is current. */
export const AWSCHECK_HEALTH: HealthCheckExprs = {
  apiVersion: API_VERSION,
  kind: 'AwsCheck',
  inProgress: `${SETTLING} || ${AWAITING_FIRST_RUN}`,
  failed: `${HAS_CONDITIONS} && (${STALLED} || ${NOT_READY} || (${READY} && !${SUSPENDED} && ${UNHEALTHY}))`,
  current: `${HAS_CONDITIONS} && ${READY} && (${SUSPENDED} || ${HEALTHY} || (!${UNHEALTHY} && ${ON_SCHEDULE}))`,
};

/** AWSCREDENTIALREF_HEALTH: validated credentials are current; Stalled or Ready=False fail. */
export const AWSCREDENTIALREF_HEALTH: HealthCheckExprs = {
  apiVersion: API_VERSION,
  kind: 'AwsCredentialRef',
  inProgress: SETTLING,
  failed: `${HAS_CONDITIONS} && (${STALLED} || ${NOT_READY})`,
  current: `${HAS_CONDITIONS} && ${READY}`,
};

/** FLUX_HEALTH_CHECKS are both kinds' expressions, as spec.healthCheckExprs lists them. */
export const FLUX_HEALTH_CHECKS: readonly HealthCheckExprs[] = [
  AWSCHECK_HEALTH,
  AWSCREDENTIALREF_HEALTH,
];
