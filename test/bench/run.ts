// `npm run bench`: every benchmark, each against its own moto, printing the ratios of
// one run against the targets. Not part of the test suite: timings vary by machine.
import { coldStart } from './cold-start.ts';
import { buildChecker } from './environment.ts';
import { inventory } from './inventory.ts';

const verdict = (met: boolean): string => (met ? 'target met' : 'TARGET MISSED');

await buildChecker();
const cold = await coldStart();
console.log(
  `cold start (median of ${cold.runs}): checker ${cold.checkerMs.toFixed(0)} ms, aws sts get-caller-identity ${cold.awsCliMs.toFixed(0)} ms, ratio ${cold.ratio.toFixed(2)} (target ≤ 0.50: ${verdict(cold.ratio <= 0.5)})`,
);

const inv = await inventory();
console.log(
  `inventory of ${inv.instances} EC2 instances in 4 regions (median of ${inv.runs}): checker ${inv.checkerMs.toFixed(0)} ms, aws ec2 describe-instances loop ${inv.awsCliLoopMs.toFixed(0)} ms, speed-up ${inv.speedup.toFixed(2)}x (target ≥ 3: ${verdict(inv.speedup >= 3)})`,
);
console.log(
  `checker peak RSS ${inv.checkerPeakRssMiB.toFixed(1)} MiB (target < 150: ${verdict(inv.checkerPeakRssMiB < 150)})`,
);
