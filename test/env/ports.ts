import { createServer } from 'node:net';

/**
 * freePort asks the kernel for an unused port on 127.0.0.1. The port is released before
 * it is returned, so a caller binds it at once; readiness checks catch the rare race.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') {
    throw new Error('listening socket has no port');
  }
  return address.port;
}
