// The AwsCredentialRef controller: gather, plan (pure), write what differs.
import type { AwsCredentialRef } from '../api/v1alpha1/awscredentialref.ts';
import { parseAwsCheck, parseAwsCredentialRef } from '../api/v1alpha1/parse.ts';
import { createJobIfAbsent, deleteJob } from '../kube.ts';
import { CREDENTIAL_LABEL } from '../labels.ts';
import { externalIdOf, runsOf } from './check-controller.ts';
import { splitKey, type ControllerContext } from './context.ts';
import { planCredential, type CredentialFacts } from './credential-plan.ts';
import { validationJobName } from './names.ts';
import { writeInvalid, writeStatusIfChanged, type RawObject } from './status.ts';

/** reconcileCredential validates one AwsCredentialRef and keeps its Ready current. */
export async function reconcileCredential(context: ControllerContext, key: string): Promise<void> {
  const { namespace, name } = splitKey(key);
  const raw = context.caches.credentials.get(name, namespace) as RawObject | undefined;
  if (raw === undefined) return;
  const parsed = parseAwsCredentialRef(raw);
  if (!parsed.ok) {
    await writeInvalid(
      context,
      'awscredentialrefs',
      raw,
      `the AwsCredentialRef is invalid: ${parsed.message}`,
    );
    return;
  }
  const ref = parsed.value;
  const facts = gatherCredential(context, ref);
  const plan = planCredential(facts, context.config);
  if (
    plan.validationJob !== undefined &&
    (await createJobIfAbsent(context.clients, plan.validationJob))
  ) {
    context.log.info(
      { namespace, name, job: plan.validationJob.metadata?.name },
      'validating credentials',
    );
  }
  await deleteOldValidations(context, ref);
  await writeStatusIfChanged(context, 'awscredentialrefs', raw, plan.status);
}

function gatherCredential(context: ControllerContext, ref: AwsCredentialRef): CredentialFacts {
  const { namespace, name } = ref.metadata;
  const current = validationJobName(name, ref.metadata.generation ?? 0);
  const validation = runsOf(context, namespace, { [CREDENTIAL_LABEL]: name }).find(
    (run) => run.job.metadata?.name === current,
  );
  return {
    ref,
    externalId: externalIdOf(context, namespace),
    validation,
    checkRuns: checkRunsUsing(context, namespace, name),
    now: context.clock.now(),
  };
}

// checkRunsUsing: the latest run of every AwsCheck in the namespace that uses this ref.
function checkRunsUsing(
  context: ControllerContext,
  namespace: string,
  refName: string,
): CredentialFacts['checkRuns'] {
  return context.caches.checks.list(namespace).flatMap((raw) => {
    const parsed = parseAwsCheck(raw);
    if (!parsed.ok || parsed.value.spec.credentialRef.name !== refName) return [];
    const lastRun = parsed.value.status?.lastRun;
    return lastRun === undefined ? [] : [{ check: parsed.value.metadata.name, lastRun }];
  });
}

// deleteOldValidations removes validation runs of earlier generations: only the current
// generation's run says anything about the credentials.
async function deleteOldValidations(
  context: ControllerContext,
  ref: AwsCredentialRef,
): Promise<void> {
  const { namespace, name } = ref.metadata;
  const current = validationJobName(name, ref.metadata.generation ?? 0);
  const old = context.caches.jobs
    .list(namespace)
    .filter(
      (job) => job.metadata?.labels?.[CREDENTIAL_LABEL] === name && job.metadata.name !== current,
    );
  for (const job of old) await deleteJob(context.clients, namespace, job.metadata?.name ?? '');
}
