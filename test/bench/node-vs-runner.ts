// Checker pod start-to-result on the real node (kubelet, containerd, runc, the image built
// from the Dockerfile) against the same pod in the local pod runner, in one environment,
// in turns, so machine noise falls on both alike. A run is timed from the Pod's creation
// to the kubelet's (or the runner's) termination message in its status.
//
//   node test/bench/node-vs-runner.ts [--runs 5]
import { parseArgs } from 'node:util';
import type { CoreV1Api, V1PodSpec } from '@kubernetes/client-node';
import { parseTerminationMessage } from '../../operator/checker/result.ts';
import { checkerPodTemplate, runArgs } from '../../operator/controller/checker-pod.ts';
import { loadConfig } from '../../operator/config.ts';
import { startTestEnvironment, stopTestEnvironment, type TestEnvInfo } from '../env/environment.ts';
import { ensureImage } from '../env/image/image.ts';
import { AWS_TEST_KEYS } from '../support/awscheck.ts';
import { eventually } from '../support/eventually.ts';
import { createNamespace, kubeClients } from '../support/kube.ts';
import { median } from './measure.ts';
import { nodeLabels, nodeOf } from '../node/pods.ts';

/** NodeVsRunnerReport is the median start-to-result time of each, and their ratio. */
export interface NodeVsRunnerReport {
  readonly runs: number;
  readonly nodeMs: number;
  readonly runnerMs: number;
  /** nodeMs / runnerMs. */
  readonly ratio: number;
}

const say = (line: string): void => {
  console.error(`bench: ${line}`);
};

/** nodeVsRunner starts an environment with the real node, runs `runs` rounds and stops it. */
export async function nodeVsRunner(runs: number): Promise<NodeVsRunnerReport> {
  const env = await startTestEnvironment({
    tiedToParent: true,
    progress: say,
    node: { productImage: ensureImage },
  });
  try {
    return await measureRounds(env, runs);
  } finally {
    await stopTestEnvironment(env);
  }
}

async function measureRounds(env: TestEnvInfo, runs: number): Promise<NodeVsRunnerReport> {
  const node = nodeOf(env);
  const { core } = kubeClients(env.kubeconfig);
  const onNode = await benchNamespace(core, 'bench-node', nodeLabels(node));
  const inRunner = await benchNamespace(core, 'bench-runner', {});
  const spec = checkerSpec(node.image);
  // One unmeasured run each: the first container of an image pays for its page cache.
  await timeToResult(core, onNode, 'warm', spec);
  await timeToResult(core, inRunner, 'warm', spec);
  const nodeTimes: number[] = [];
  const runnerTimes: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    nodeTimes.push(await timeToResult(core, onNode, `run-${i}`, spec));
    runnerTimes.push(await timeToResult(core, inRunner, `run-${i}`, spec));
  }
  const [nodeMs, runnerMs] = [median(nodeTimes), median(runnerTimes)];
  return { runs, nodeMs, runnerMs, ratio: nodeMs / runnerMs };
}

async function benchNamespace(
  core: CoreV1Api,
  prefix: string,
  labels: Record<string, string>,
): Promise<string> {
  const namespace = await createNamespace(core, prefix, labels);
  await core.createNamespacedSecret({
    namespace,
    body: { metadata: { name: 'aws-keys' }, stringData: { ...AWS_TEST_KEYS } },
  });
  return namespace;
}

// checkerSpec is the operator's own pod for an sts health check, as a one-off Pod.
function checkerSpec(image: string): V1PodSpec {
  const config = loadConfig({
    AWSCHECK_CHECKER_IMAGE: image,
    AWSCHECK_IMAGE_PULL_POLICY: 'Never',
    AWSCHECK_NAMESPACE: 'bench',
  });
  const credential = {
    refName: 'readonly',
    spec: { region: 'us-east-1', secretRef: { name: 'aws-keys' } },
    externalId: 'unused',
  };
  const args = runArgs(
    {
      credentialRef: { name: 'readonly' },
      service: 'sts',
      type: 'HealthCheck',
      timeoutSeconds: 60,
    } as Parameters<typeof runArgs>[0],
    credential,
    'bench',
    undefined,
  );
  const spec = checkerPodTemplate(config, args, credential, { labels: {} }).spec;
  if (spec === undefined) throw new Error('the checker pod template has no spec');
  return spec;
}

// timeToResult creates the pod and waits for a successful result in its status.
async function timeToResult(
  core: CoreV1Api,
  namespace: string,
  name: string,
  spec: V1PodSpec,
): Promise<number> {
  const started = performance.now();
  await core.createNamespacedPod({ namespace, body: { metadata: { name }, spec } });
  const message = await eventually(
    `pod ${namespace}/${name} to end`,
    async () => {
      const pod = await core.readNamespacedPod({ name, namespace });
      return pod.status?.containerStatuses?.[0]?.state?.terminated?.message;
    },
    120_000,
  );
  const elapsed = performance.now() - started;
  const result = parseTerminationMessage(message);
  if (result.outcome !== 'Succeeded') {
    throw new Error(`pod ${namespace}/${name} failed: ${message}`);
  }
  return elapsed;
}

/** formatNodeVsRunner is the report as `npm run bench` prints it. */
export function formatNodeVsRunner(report: NodeVsRunnerReport): string {
  return `checker pod start-to-result (median of ${report.runs}): real node ${report.nodeMs.toFixed(0)} ms, pod runner ${report.runnerMs.toFixed(0)} ms, ratio node/runner ${report.ratio.toFixed(2)}`;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
  console.log(formatNodeVsRunner(await nodeVsRunner(Number(values.runs))));
}
