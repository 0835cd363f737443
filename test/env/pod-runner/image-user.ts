import { readFile } from 'node:fs/promises';

/**
 * imageUserOf is the uid an image built from `dockerfile` runs as: its last USER
 * instruction, root (0) when it has none, as a container runtime reads the image config.
 * The local pod runner's programs stand for that image, so this is the user the kubelet
 * would check runAsNonRoot against. A named user cannot be resolved without the image's
 * /etc/passwd, so it is refused here rather than guessed.
 */
export function imageUserOf(dockerfile: string): number {
  const users = dockerfile
    .split('\n')
    .map((line) => /^\s*USER\s+(\S+)/i.exec(line)?.[1])
    .filter((user): user is string => user !== undefined);
  const last = users.at(-1);
  if (last === undefined) return 0;
  const user = last.split(':')[0] ?? '';
  if (!/^\d+$/.test(user)) {
    throw new Error(
      `the Dockerfile's USER ${last} is not numeric: give it as uid:gid so the pod runner can check runAsNonRoot as the kubelet does`,
    );
  }
  return Number(user);
}

/** readImageUser reads imageUserOf from a Dockerfile on disk. */
export async function readImageUser(path: string): Promise<number> {
  return imageUserOf(await readFile(path, 'utf8'));
}
