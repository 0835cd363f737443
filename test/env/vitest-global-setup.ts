// Global setup for the integration and end-to-end projects: one real environment for
// the whole run, shared by every project that lists this file, stopped after the last.
// With AWSCHECK_TESTENV set (by `eval "$(npm run -s testenv -- env)"`), the tests use
// that running environment instead and leave it running.
import type { TestProject } from 'vitest/node';
import {
  readTestEnvInfo,
  startTestEnvironment,
  stopTestEnvironment,
  type TestEnvInfo,
} from './environment.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}

interface Shared {
  environment: Promise<TestEnvInfo>;
  owned: boolean;
  users: number;
}

// Projects load this file separately; globalThis is the one scope they share.
const key = Symbol.for('awscheck.testenv');
const slot = globalThis as unknown as Record<symbol, Shared | undefined>;

function acquire(): Shared {
  const existing = process.env.AWSCHECK_TESTENV;
  if (existing) return { environment: readTestEnvInfo(existing), owned: false, users: 0 };
  const progress = (line: string): void => {
    console.error(`testenv: ${line}`);
  };
  return {
    environment: startTestEnvironment({ tiedToParent: true, progress }),
    owned: true,
    users: 0,
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (slot[key] ??= acquire());
  shared.users += 1;
  project.provide('testenv', await shared.environment);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    slot[key] = undefined;
    if (shared.owned) await stopTestEnvironment(await shared.environment);
  };
}
