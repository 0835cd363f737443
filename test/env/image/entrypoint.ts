// The official node images' entrypoint, rewritten from its behaviour for the local
// node:24-slim stand-in (nodejs/docker-node: `COPY docker-entrypoint.sh /usr/local/bin/`,
// `ENTRYPOINT ["docker-entrypoint.sh"]`, `CMD ["node"]`): arguments meant for node get
// `node` put in front, anything else runs as given.

/** ENTRYPOINT_PATH is where the official image keeps its entrypoint script. */
export const ENTRYPOINT_PATH = '/usr/local/bin/docker-entrypoint.sh';

/** ENTRYPOINT is the image config's Entrypoint, found on the image's PATH. */
export const ENTRYPOINT: readonly string[] = ['docker-entrypoint.sh'];

/**
 * ENTRYPOINT_SCRIPT runs node with the arguments when the first one is an option (starts
 * with `-`), is no command on PATH, or is a file that is not executable (a script such as
 * `app.js`); otherwise it replaces itself with the command given.
 */
export const ENTRYPOINT_SCRIPT = `#!/bin/sh
# Stand-in for the official node image's docker-entrypoint.sh (test/env/image/entrypoint.ts).
set -e
case "$1" in
  -*) set -- node "$@" ;;
  *)
    if ! command -v "$1" >/dev/null 2>&1 || { [ -f "$1" ] && [ ! -x "$1" ]; }; then
      set -- node "$@"
    fi
    ;;
esac
exec "$@"
`;
