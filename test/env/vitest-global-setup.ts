// Global setup for the integration and end-to-end projects: one real environment for
// the whole run, shared by every project that lists this file, stopped after the last.
import type { TestProject } from 'vitest/node';
import { startTestEnvironment, stopTestEnvironment, type TestEnvInfo } from './environment.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    testenv: TestEnvInfo;
  }
}

interface Shared {
  environment: Promise<TestEnvInfo>;
  users: number;
}

// Projects load this file separately; globalThis is the one scope they share.
const key = Symbol.for('awscheck.testenv');
const slot = globalThis as unknown as Record<symbol, Shared | undefined>;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const shared = (slot[key] ??= {
    environment: startTestEnvironment({
      tiedToParent: true,
      progress: (line) => {
        console.error(`testenv: ${line}`);
      },
    }),
    users: 0,
  });
  shared.users += 1;
  project.provide('testenv', await shared.environment);
  return async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    slot[key] = undefined;
    await stopTestEnvironment(await shared.environment);
  };
}
