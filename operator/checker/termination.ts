// Writing the compact result where Kubernetes reads it: the container's termination
// message, which Kubernetes cuts at 4096 bytes. The checker shrinks it first, and says so.
import { writeFile } from 'node:fs/promises';
import { invalidConfiguration } from './errors.ts';
import { TERMINATION_MESSAGE_LIMIT } from './result-limits.ts';
import type { CheckerResult } from './result.ts';

const byteLength = (result: CheckerResult): number =>
  Buffer.byteLength(JSON.stringify(result), 'utf8');

const graphemes = new Intl.Segmenter();

// shorten cuts a text to at most `max` characters (whole graphemes), marking the cut.
function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const kept: string[] = [];
  for (const { segment } of graphemes.segment(text)) {
    if (kept.length === max - 1) break;
    kept.push(segment);
  }
  return `${kept.join('')}…`;
}

function shortenTexts(result: CheckerResult, max: number): CheckerResult {
  const message = shorten(result.message, max);
  const error = result.error && { ...result.error, message: shorten(result.error.message, max) };
  if (result.kind !== 'run') return { ...result, message, ...(error && { error }) };
  const findings = result.findings.map((f) => ({
    ...f,
    id: shorten(f.id, max),
    state: shorten(f.state, max),
    problems: f.problems.slice(0, 3).map((p) => shorten(p, max)),
  }));
  return { ...result, message, ...(error && { error }), findings };
}

/**
 * fitTerminationMessage returns a result whose compact JSON is at most `limit` bytes. It
 * keeps counts, reason and error code whole and gives up, in order: findings from the
 * end, then the length of free texts; whatever it gives up sets `truncated: true`.
 */
export function fitTerminationMessage(
  result: CheckerResult,
  limit = TERMINATION_MESSAGE_LIMIT,
): CheckerResult {
  if (byteLength(result) <= limit) return result;
  let fitted: CheckerResult = { ...result, truncated: true };
  for (const max of [1024, 256, 64]) {
    fitted = shortenTexts(fitted, max);
    if (fitted.kind === 'run') {
      const findings = [...fitted.findings];
      while (findings.length > 0 && byteLength({ ...fitted, findings }) > limit) findings.pop();
      fitted = { ...fitted, findings };
    }
    if (byteLength(fitted) <= limit) return fitted;
  }
  throw new Error(`result does not fit ${limit} bytes even when shortened: ${byteLength(fitted)}`);
}

/** writeTerminationMessage writes the fitted compact result to `path` (a file, not stdout). */
export async function writeTerminationMessage(path: string, result: CheckerResult): Promise<void> {
  const text = JSON.stringify(fitTerminationMessage(result));
  try {
    await writeFile(path, text);
  } catch (error) {
    throw invalidConfiguration(
      'TerminationLogUnwritable',
      `cannot write the termination message to ${path} (${String(error)}); pass --termination-log with a writable path`,
    );
  }
}
