// The local pod runner as a process of the test environment:
//   node main.ts <kubeconfig> <work-dir> <aws-endpoint-url>
// It writes <work-dir>/ready once its pod cache is synced, and runs until killed.
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { repoPath } from '../paths.ts';
import { CANNED_CHECKER_ENV } from './canned-checker.ts';
import { readImageUser } from './image-user.ts';
import { PodRunner } from './runner.ts';
import { CHECKER_ENTRY } from '../../../operator/controller/checker-pod.ts';

const [kubeconfig, workDir, awsEndpointUrl] = process.argv.slice(2);
if (kubeconfig === undefined || workDir === undefined || awsEndpointUrl === undefined) {
  console.error('usage: node main.ts <kubeconfig> <work-dir> <aws-endpoint-url>');
  process.exit(2);
}
const kubeConfig = new KubeConfig();
kubeConfig.loadFromFile(kubeconfig);
await mkdir(workDir, { recursive: true });
const checker = repoPath('operator/checker/cli.ts');
const runner = new PodRunner({
  kubeConfig,
  workDir,
  // The checker image's `checker` command, run from this checkout by this Node.js.
  // The image's programs, run from this checkout by this Node.js (type stripping runs the
  // checker's TypeScript as the image runs its build).
  programs: {
    node: process.execPath,
    [CHECKER_ENTRY]: checker,
    // A shell for tests of the runner itself.
    'testenv-sh': '/bin/sh',
  },
  nodeEnv: { AWS_ENDPOINT_URL: awsEndpointUrl },
  // The programs stand for the checker image, so its USER is the user runAsNonRoot is
  // checked against (the runner checks it; it does not run the processes as that user).
  imageUser: await readImageUser(repoPath('Dockerfile')),
  cannedChecker: process.env[CANNED_CHECKER_ENV] === '1' ? checker : undefined,
  log: (line) => {
    console.log(`${new Date().toISOString()} ${line}`);
  },
});
await runner.start();
await writeFile(join(workDir, 'ready'), String(process.pid));
console.log('pod runner ready');
process.once('SIGTERM', () => {
  void runner.stop().then(() => process.exit(0));
});
