import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startProcess, waitUntil, type RunningProcess } from './processes.ts';
import type { ServerOptions } from './control-plane.ts';

/** The API key stripe-mock accepts; any key of the sk_test_ form works. */
export const STRIPE_MOCK_API_KEY = 'sk_test_testenv';

/** StripeMock is a started stripe-mock serving Stripe's API over plain HTTP. */
export interface StripeMock {
  readonly process: RunningProcess;
  readonly url: string;
}

/** startStripeMock runs stripe-mock on loopback. */
export async function startStripeMock(binary: string, options: ServerOptions): Promise<StripeMock> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startProcess({
    name: 'stripe-mock',
    command: binary,
    args: ['-http-addr', `127.0.0.1:${port}`],
    logFile: join(options.runDir, 'stripe-mock.log'),
    tiedToParent: options.tiedToParent,
  });
  const probe = async (): Promise<boolean> =>
    (
      await fetch(`${url}/v1/customers`, {
        headers: { authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
      })
    ).ok;
  await waitUntil(probe, { what: 'stripe-mock', timeoutMs: 20_000, process });
  return { process, url };
}
