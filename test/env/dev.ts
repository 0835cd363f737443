// dev: the main job on its embedded default. Until the operator lands it starts the local
// control plane with the AWS emulator and Stripe mock, prints how to use them, and stops
// everything on Ctrl-C.
import { once } from 'node:events';
import { shellExports, startTestEnvironment, stopTestEnvironment } from './environment.ts';

const say = (line: string): void => {
  console.error(`dev: ${line}`);
};

const started = Date.now();
const info = await startTestEnvironment({ tiedToParent: true, progress: say });
say(
  `local control plane, moto and stripe-mock up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);
console.log(`
In another shell:
${shellExports(info)}
  kubectl get namespaces            # the real kube-apiserver
  aws sts get-caller-identity       # moto answers every AWS service

Press Ctrl-C to stop.`);
await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
say('stopping');
await stopTestEnvironment(info);
