// Global setup for the integration, end-to-end, browser and node projects: one real
// environment for the whole run, shared by every project that lists this file, stopped
// after the last. The node project's environment also has the real node (node/node.ts),
// added to the shared environment when that project starts. With AWSCHECK_TESTENV set
// (by `eval "$(npm run -s testenv -- env)"`), the tests use that running environment
// instead and leave it running; a real node they had to add to it is removed again.
import type { TestProject } from 'vitest/node';
import {
  readTestEnvInfo,
  startTestEnvironment,
  stopTestEnvironment,
  type TestEnvInfo,
} from './environment.ts';
import { ensureImage } from './image/image.ts';
import { startNode, stopNode, type NodeInfo } from './node/node.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}

/** NODE_PROJECTS are the vitest projects whose tests run pods on the real node. */
export const NODE_PROJECTS: ReadonlySet<string> = new Set(['node', 'node-helm']);

interface Shared {
  environment: Promise<TestEnvInfo>;
  owned: boolean;
  users: number;
  /** The real node this run added to the environment, if a project needed one it lacked. */
  addedNode?: Promise<NodeInfo>;
}

// Projects load this file separately; globalThis is the one scope they share.
const key = Symbol.for('awscheck.testenv');
const slot = globalThis as unknown as Record<symbol, Shared | undefined>;

const progress = (line: string): void => {
  console.error(`testenv: ${line}`);
};

function acquire(): Shared {
  const existing = process.env.AWSCHECK_TESTENV;
  if (existing) return { environment: readTestEnvInfo(existing), owned: false, users: 0 };
  return {
    environment: startTestEnvironment({ tiedToParent: true, progress }),
    owned: true,
    users: 0,
  };
}

// withNode gives the environment its real node, adding one (once per run) when it has none.
async function withNode(shared: Shared, info: TestEnvInfo): Promise<TestEnvInfo> {
  if (info.node !== undefined) return info;
  shared.addedNode ??= startNode(info, {
    tiedToParent: true,
    progress,
    productImage: ensureImage,
  });
  return { ...info, node: await shared.addedNode };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (slot[key] ??= acquire());
  shared.users += 1;
  const info = await shared.environment;
  const needsNode = NODE_PROJECTS.has(project.name);
  project.provide('testenv', needsNode ? await withNode(shared, info) : info);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    slot[key] = undefined;
    const environment = await shared.environment;
    const added = await shared.addedNode;
    // A node added to an environment that keeps running leaves no trace in its cluster.
    if (added !== undefined)
      await stopNode(added, shared.owned ? undefined : environment.kubeconfig);
    if (shared.owned) await stopTestEnvironment(environment);
  };
}
