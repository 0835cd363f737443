import type { KubernetesObject, V1CronJob, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { readAwsCheck, readAwsCredentialRef } from './api/v1alpha1/parse.ts';
import { LAST_APPLIED, shapeFor } from './cache-shape.ts';
import type { CacheKind } from './caches.ts';
import { loadConfig } from './config.ts';
import { planCheck, type CheckFacts } from './controller/check-plan.ts';
import { containsDesired } from './controller/drift.ts';
import { UNLIMITED } from './controller/plan-limits.ts';
import { queuedJob } from './controller/run-admission.ts';
import { judgeRun } from './controller/run-outcome.ts';
import type { AwsCheck } from './api/v1alpha1/awscheck.ts';
import type { AwsCredentialRef } from './api/v1alpha1/awscredentialref.ts';

const config = loadConfig({ AWSCHECK_CHECKER_IMAGE: 'img', AWSCHECK_NAMESPACE: 'ops' });
const NOW = new Date('2024-06-01T12:30:00Z');
const FIELDS = [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }];

// asStored adds what the apiserver and kubectl add to an object: managedFields, kubectl's
// last-applied copy, a resourceVersion.
function asStored<T extends KubernetesObject>(object: T): T {
  const stored = structuredClone(object);
  const metadata = (stored.metadata ??= {});
  metadata.resourceVersion = '42';
  metadata.creationTimestamp = new Date('2024-06-01T00:00:00Z');
  metadata.managedFields = FIELDS;
  metadata.annotations = { ...metadata.annotations, [LAST_APPLIED]: JSON.stringify(object) };
  return stored;
}

const rawCheck = asStored({
  apiVersion: 'awscheck.io/v1alpha1',
  kind: 'AwsCheck',
  metadata: { name: 'web', namespace: 'team-a', uid: 'check-uid', generation: 2 },
  spec: { credentialRef: { name: 'prod' }, service: 'ec2', type: 'HealthCheck' },
  status: { observedGeneration: 1, consecutiveFailures: 0 },
});

const rawRef = asStored({
  apiVersion: 'awscheck.io/v1alpha1',
  kind: 'AwsCredentialRef',
  metadata: { name: 'prod', namespace: 'team-a', uid: 'ref-uid', generation: 1 },
  spec: { secretRef: { name: 'keys' } },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        observedGeneration: 1,
        lastTransitionTime: '2024-06-01T00:00:00Z',
        reason: 'Validated',
        message: 'ok',
      },
    ],
  },
});

function parsed<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new Error(result.message);
  return result.value;
}

function facts(check: AwsCheck, runs: CheckFacts['runs'] = []): CheckFacts {
  const credential: AwsCredentialRef = parsed(readAwsCredentialRef(rawRef));
  return { check, credential, externalId: 'ext', plan: UNLIMITED, runs, now: NOW };
}

// The children the operator makes for rawCheck, as the apiserver stores them.
const firstPlan = planCheck(facts(parsed(readAwsCheck(rawCheck))), config);
const rawCronJob = asStored(firstPlan.cronJob as V1CronJob);
const rawJob: V1Job = asStored(firstPlan.jobs[0] as V1Job);
if (rawJob.metadata) rawJob.metadata.uid = 'job-uid';
rawJob.status = {
  startTime: new Date('2024-06-01T12:29:00Z'),
  completionTime: new Date('2024-06-01T12:29:30Z'),
  conditions: [{ type: 'Complete', status: 'True', reason: 'Completed' }],
};
const rawPod: V1Pod = asStored({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-run-abc',
    namespace: 'team-a',
    uid: 'pod-uid',
    ownerReferences: [
      { apiVersion: 'batch/v1', kind: 'Job', name: 'j', uid: 'job-uid', controller: true },
    ],
  },
  spec: rawJob.spec?.template.spec ?? { containers: [] },
  status: {
    phase: 'Succeeded',
    containerStatuses: [
      {
        name: 'checker',
        image: 'img',
        imageID: '',
        ready: false,
        restartCount: 0,
        state: { terminated: { exitCode: 1, reason: 'Error' } },
      },
    ],
  },
});

function shaped<T extends KubernetesObject>(kind: CacheKind, object: T): T {
  return shapeFor(kind)(object) as T;
}

describe('shapeFor', () => {
  it('drops managedFields and the last-applied annotation from every kind', () => {
    const objects: [CacheKind, KubernetesObject][] = [
      ['checks', rawCheck],
      ['credentials', rawRef],
      ['cronJobs', rawCronJob],
      ['jobs', rawJob],
      ['pods', rawPod],
      ['namespaces', asStored({ metadata: { name: 'team-a', uid: 'ns-uid' } })],
      ['catalog', asStored({ metadata: { name: 'awscheck-plans' }, data: { 'plans.yaml': 'x' } })],
    ];
    for (const [kind, object] of objects) {
      const shape = shapeFor(kind)(object);
      expect(shape.metadata?.managedFields, kind).toBeUndefined();
      expect(shape.metadata?.annotations?.[LAST_APPLIED], kind).toBeUndefined();
      expect(shape.metadata?.resourceVersion, kind).toBe('42');
      expect(JSON.stringify(shape).length, kind).toBeLessThan(JSON.stringify(object).length);
    }
  });

  it('keeps what the schemas parse: a shaped check and ref parse as the stored ones', () => {
    const fromShaped = parsed(readAwsCheck(shaped('checks', rawCheck)));
    const fromStored = parsed(readAwsCheck(rawCheck));
    expect(fromShaped.spec).toEqual(fromStored.spec);
    expect(fromShaped.status).toEqual(fromStored.status);
    expect(fromShaped.metadata.annotations).toEqual({});
    expect({ ...fromShaped.metadata, annotations: undefined }).toEqual({
      ...fromStored.metadata,
      annotations: undefined,
      managedFields: undefined,
    });
    expect(parsed(readAwsCredentialRef(shaped('credentials', rawRef))).spec).toEqual(
      parsed(readAwsCredentialRef(rawRef)).spec,
    );
  });

  it('plans a check the same from shaped children', () => {
    const check = parsed(readAwsCheck(shaped('checks', rawCheck)));
    const run = { job: rawJob, pod: rawPod };
    const run2 = { job: shaped('jobs', rawJob), pod: shaped('pods', rawPod) };
    expect(planCheck(facts(check, [run2]), config)).toEqual(planCheck(facts(check, [run]), config));
    expect(judgeRun(run2, NOW)).toEqual(judgeRun(run, NOW));
    expect(queuedJob(shaped('jobs', rawJob))).toEqual(queuedJob(rawJob));
  });

  it('keeps every field of a CronJob that drift is judged on', () => {
    const desired = firstPlan.cronJob as V1CronJob;
    expect(containsDesired(shaped('cronJobs', rawCronJob), desired)).toBe(true);
    const edited = structuredClone(rawCronJob);
    edited.spec.suspend = true;
    expect(containsDesired(shaped('cronJobs', edited), desired)).toBe(false);
  });

  it('keeps no pod spec and no job template', () => {
    expect(shaped('pods', rawPod).spec).toBeUndefined();
    expect(shaped('jobs', rawJob).spec).toEqual({
      activeDeadlineSeconds: rawJob.spec?.activeDeadlineSeconds,
    });
  });
});
