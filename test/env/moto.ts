import { join } from 'node:path';
import { freePort } from './ports.ts';
import { startProcess, waitUntil, type RunningProcess } from './processes.ts';
import type { ServerOptions } from './control-plane.ts';

/** Moto is a started moto server: one endpoint for every AWS service and region. */
export interface Moto {
  readonly process: RunningProcess;
  readonly url: string;
}

/** startMoto runs moto in server mode on loopback. */
export async function startMoto(python: string, options: ServerOptions): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = startProcess({
    name: 'moto',
    command: python,
    args: ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)],
    logFile: join(options.runDir, 'moto.log'),
    tiedToParent: options.tiedToParent,
  });
  await waitUntil(async () => (await fetch(`${url}/moto-api/data.json`)).ok, {
    what: 'moto',
    timeoutMs: 30_000,
    process,
  });
  return { process, url };
}

/** resetMoto drops every resource moto holds, so each test file starts from an empty AWS. */
export async function resetMoto(url: string): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
  if (!response.ok)
    throw new Error(`moto reset answered ${response.status}: ${await response.text()}`);
}
