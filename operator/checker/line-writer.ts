// Writing the checker's JSON lines to stdout in batches. A large inventory prints one line
// per resource; one write (a system call, synchronous for files and pipes) per line cost
// the checker more than reading the answers did. Lines are joined and written once per
// turn of the event loop or every LINE_BATCH_BYTES, in order, and whatever is pending is
// written before the process exits.

/** LINE_BATCH_BYTES bounds how much output waits for one write. */
export const LINE_BATCH_BYTES = 64 * 1024;

/** LineWriter takes lines (without a newline) and writes them in batches. */
export interface LineWriter {
  readonly line: (text: string) => void;
  /** flush writes what is pending now. */
  readonly flush: () => void;
}

/**
 * lineWriter batches lines for `write`: it writes once `LINE_BATCH_BYTES` are pending and
 * otherwise at the next `schedule`d turn (setImmediate in the checker), so nothing waits
 * longer than the work in hand. The caller flushes at exit.
 */
export function lineWriter(
  write: (chunk: string) => void,
  schedule: (flush: () => void) => void,
): LineWriter {
  let pending: string[] = [];
  let size = 0;
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    size = 0;
    write(chunk);
  };
  const line = (text: string): void => {
    pending.push(text);
    size += text.length + 1;
    if (size >= LINE_BATCH_BYTES) flush();
    else if (!scheduled) {
      scheduled = true;
      schedule(flush);
    }
  };
  return { line, flush };
}
