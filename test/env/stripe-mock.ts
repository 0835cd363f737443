import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startServer, waitUntil, type RunningProcess, type ServerContext } from './processes.ts';

/** The API key stripe-mock accepts; any key of the sk_test_ form works. */
export const STRIPE_MOCK_API_KEY = 'sk_test_testenv';

/** StripeMock is a started stripe-mock serving Stripe's API over plain HTTP. */
export interface StripeMock {
  readonly process: RunningProcess;
  readonly url: string;
}

/**
 * startStripeMock runs stripe-mock on loopback. Its HTTPS side would otherwise bind
 * port 12112 on every interface, so it is moved to a socket in the run directory.
 */
export async function startStripeMock(binary: string, context: ServerContext): Promise<StripeMock> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const httpsSocket = join(context.runDir, 'stripe-mock-https.sock');
  const argv = [binary, '-http-addr', `127.0.0.1:${port}`, '-https-unix', httpsSocket] as const;
  const server = startServer(context, 'stripe-mock', argv);
  const probe = async (): Promise<boolean> =>
    (
      await fetch(`${url}/v1/customers`, {
        headers: { authorization: `Bearer ${STRIPE_MOCK_API_KEY}` },
      })
    ).ok;
  await waitUntil(probe, { what: 'stripe-mock', timeoutMs: 20_000, process: server });
  return { process: server, url };
}
