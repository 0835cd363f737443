import { freePort } from './ports.ts';
import { startServer, waitUntil, type RunningProcess, type ServerContext } from './processes.ts';

/** Moto is a started moto server: one endpoint for every AWS service and region. */
export interface Moto {
  readonly process: RunningProcess;
  readonly url: string;
}

/**
 * startMoto runs moto in server mode on loopback. `environment` adds moto settings, such
 * as INITIAL_NO_AUTH_ACTION_COUNT=0 for a server that enforces IAM policies.
 */
export async function startMoto(
  python: string,
  context: ServerContext,
  environment: Readonly<Record<string, string>> = {},
  name = 'moto',
): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const argv = [python, '-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)] as const;
  const server = startServer(context, name, argv, environment);
  await waitUntil(async () => (await fetch(`${url}/moto-api/data.json`)).ok, {
    what: name,
    timeoutMs: 30_000,
    process: server,
  });
  return { process: server, url };
}

/** resetMoto drops every resource moto holds, so each test file starts from an empty AWS. */
export async function resetMoto(url: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
  if (!response.ok)
    throw new Error(`moto reset answered ${response.status}: ${await response.text()}`);
}
