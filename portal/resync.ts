// The portal's background convergence: every tenant namespace is converged again at start
// and then every `intervalMs`, so a provisioning cut short by a crash, or quotas behind a
// changed plan, are finished without waiting for the next webhook. One pass at a time.
import type { Logger } from 'pino';
import type { ResyncReport } from './provisioning/provisioner.ts';

/** startResync runs `resync` now and on every interval until the returned stop is called. */
export function startResync(
  resync: () => Promise<ResyncReport>,
  intervalMs: number,
  log: Logger,
): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = async (): Promise<void> => {
    try {
      const report = await resync();
      for (const { namespace, reason } of report.failed)
        log.error({ namespace, reason }, 'tenant resync failed; retried at the next pass');
    } catch (error) {
      log.error({ err: error }, 'tenant resync could not list tenants; retried at the next pass');
    }
    if (!stopped) timer = setTimeout(() => void pass(), intervalMs);
  };
  void pass();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
