import { defineConfig } from 'vitest/config';

// Five tiers, one command. Unit tests live beside the code and need nothing running.
// Integration and end-to-end tests share one real environment (global setup), and run
// their files one at a time because moto is reset between files.
const withEnvironment = {
  globalSetup: ['test/env/vitest-global-setup.ts'],
  setupFiles: ['test/env/vitest-file-setup.ts'],
  fileParallelism: false,
  testTimeout: 60_000,
  hookTimeout: 120_000,
};

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{operator,portal,charts,cdk8s,test/env,test/support}/**/*.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          ...withEnvironment,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          sequence: { groupOrder: 2 },
          ...withEnvironment,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          sequence: { groupOrder: 3 },
          ...withEnvironment,
          testTimeout: 120_000,
        },
      },
      {
        // Pods on a real node (kubelet, containerd, runc) running the image built from the
        // Dockerfile: the truth for limits, security context, volumes, termination messages.
        test: {
          name: 'node',
          include: ['test/node/**/*.test.ts'],
          exclude: ['test/node/helm-*.test.ts'],
          sequence: { groupOrder: 4 },
          ...withEnvironment,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        // The chart installed on the real node, last: its release takes over the cluster-wide
        // RBAC and admission policies every other install of the run shares, and
        // `helm uninstall` deletes them.
        test: {
          name: 'node-helm',
          include: ['test/node/helm-*.test.ts'],
          sequence: { groupOrder: 5 },
          ...withEnvironment,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
