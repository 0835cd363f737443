// The children of an AwsCheck: its CronJob, and the Jobs started outside the schedule
// (the first run, run-now) from the CronJob's own template so every run is alike.
import type {
  V1CronJob,
  V1Job,
  V1JobTemplateSpec,
  V1OwnerReference,
} from '@kubernetes/client-node';
import type { AwsCheck } from '../api/v1alpha1/awscheck.ts';
import { API_VERSION } from '../api/v1alpha1/common.ts';
import type { OperatorConfig } from '../config.ts';
import {
  CHECK_LABEL,
  CHECK_NAME_ANNOTATION,
  GENERATION_ANNOTATION,
  MANAGED_BY,
  RUN_KIND_LABEL,
  type RunKind,
} from '../labels.ts';
import { checkerPodTemplate, runArgs, type CredentialInput } from './checker-pod.ts';
import { cronJobName, labelValue } from './names.ts';

/** DEADLINE_GRACE_SECONDS lets the checker report its own timeout before the Job's deadline. */
export const DEADLINE_GRACE_SECONDS = 30;

/** ownerReference makes an object owned by `owner`, so it is deleted with it. */
export function ownerReference(owner: {
  kind: string;
  metadata: { name: string; uid?: string | undefined };
}): V1OwnerReference {
  return {
    apiVersion: API_VERSION,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** checkLabels are the labels of every child of an AwsCheck. */
export function checkLabels(check: AwsCheck, run: RunKind): Record<string, string> {
  return {
    [MANAGED_BY.key]: MANAGED_BY.value,
    [CHECK_LABEL]: labelValue(check.metadata.name),
    [RUN_KIND_LABEL]: run,
  };
}

/**
 * checkAnnotations are the annotations of every child of an AwsCheck: its whole name, for
 * routing events, and on runs the generation of the spec they run for.
 */
export function checkAnnotations(check: AwsCheck, withGeneration: boolean): Record<string, string> {
  return {
    [CHECK_NAME_ANNOTATION]: check.metadata.name,
    ...(withGeneration && { [GENERATION_ANNOTATION]: String(check.metadata.generation ?? 0) }),
  };
}

/**
 * desiredCronJob is the CronJob an AwsCheck should have: never two runs at once, no
 * retries (a failed run is a finding, not a flake), the check's timeout as the Job's
 * deadline plus a grace so the checker reports the timeout itself. Under a plan
 * (`queued`) its Jobs are created suspended, to wait for the namespace's run queue.
 */
export function desiredCronJob(
  check: AwsCheck,
  credential: CredentialInput,
  config: OperatorConfig,
  queued = false,
): V1CronJob {
  const { spec, metadata } = check;
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {
      name: cronJobName(metadata.name),
      namespace: metadata.namespace,
      labels: checkLabels(check, 'scheduled'),
      annotations: checkAnnotations(check, true),
      ownerReferences: [ownerReference(check)],
    },
    spec: {
      schedule: spec.schedule,
      ...(spec.timeZone !== undefined && { timeZone: spec.timeZone }),
      suspend: spec.suspend,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: config.jobHistory,
      failedJobsHistoryLimit: config.jobHistory,
      jobTemplate: jobTemplate(check, credential, config, { run: 'scheduled', queued }),
    },
  };
}

// jobTemplate: a queued run is created suspended; the namespace's run queue resumes it
// (run-admission.ts), and its deadline counts from then (the Job's startTime resets).
function jobTemplate(
  check: AwsCheck,
  credential: CredentialInput,
  config: OperatorConfig,
  { run, queued }: { run: RunKind; queued: boolean },
): V1JobTemplateSpec {
  const labels = checkLabels(check, run);
  const args = runArgs(check.spec, credential, check.metadata.namespace, config.platformIdentity);
  const template = checkerPodTemplate(config, args, credential, {
    labels,
    annotations: checkAnnotations(check, false),
  });
  return {
    metadata: { labels, annotations: checkAnnotations(check, true) },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: check.spec.timeoutSeconds + DEADLINE_GRACE_SECONDS,
      ...(queued && { suspend: true }),
      template,
    },
  };
}

/**
 * desiredRunJob is a run outside the schedule (initial or run-now), owned by the AwsCheck;
 * created suspended when `queued`.
 */
export function desiredRunJob(
  check: AwsCheck,
  credential: CredentialInput,
  config: OperatorConfig,
  job: { name: string; run: RunKind; queued?: boolean },
): V1Job {
  const template = jobTemplate(check, credential, config, {
    run: job.run,
    queued: job.queued ?? false,
  });
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: job.name,
      namespace: check.metadata.namespace,
      labels: template.metadata?.labels ?? {},
      annotations: template.metadata?.annotations ?? {},
      ownerReferences: [ownerReference(check)],
    },
    ...(template.spec && { spec: template.spec }),
  };
}
