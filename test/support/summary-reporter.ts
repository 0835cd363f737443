// The closing line CI tools read, and the run's verdict:
//   vitest: 640 passed, 2 failed, 1 skipped, 0 todo (counted as failures), 1 file failed, 0 unhandled errors
// The project allows no skipped or todo test (a missing tool is a failing test), so any of
// them, a file that failed outside its tests (collection, beforeAll, afterAll) or an
// unhandled error fails the run: the reporter sets a non-zero exit code where vitest would
// exit 0. Tests left out by a name filter (`-t`) are shown, not counted.
import type { SerializedError } from 'vitest';
import type { Reporter, TestModule, TestSuite, Vitest } from 'vitest/node';

/** RunSummary is what the closing line says. */
export interface RunSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly todo: number;
  /** Files that failed outside their tests: in collection or in a suite's hooks. */
  readonly filesFailed: number;
  readonly unhandledErrors: number;
  /** A test-name filter was in force, so skipped tests are not failures. */
  readonly filtered: boolean;
}

/** summarize counts a finished run. */
export function summarize(
  testModules: readonly TestModule[],
  unhandledErrors: readonly SerializedError[],
  filtered: boolean,
): RunSummary {
  const counts = { passed: 0, failed: 0, skipped: 0, todo: 0 };
  for (const module of testModules) {
    for (const test of module.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed' || state === 'failed') counts[state] += 1;
      else if (test.options.mode === 'todo') counts.todo += 1;
      // skipped, or pending: it never ran (its file stopped), so it is not a pass.
      else counts.skipped += 1;
    }
  }
  const filesFailed = testModules.filter(failedOutsideTests).length;
  return { ...counts, filesFailed, unhandledErrors: unhandledErrors.length, filtered };
}

// failedOutsideTests: the file or one of its suites has errors of its own, or the file
// failed with no failed test to show for it.
function failedOutsideTests(module: TestModule): boolean {
  if (module.errors().length > 0) return true;
  if ([...module.children.allSuites()].some(hasErrors)) return true;
  return module.state() === 'failed' && !hasFailedTest(module);
}

function hasErrors(suite: TestSuite): boolean {
  return suite.errors().length > 0;
}

function hasFailedTest(module: TestModule): boolean {
  return !module.children.allTests('failed').next().done;
}

/** runFailed tells whether the summary fails the run. */
export function runFailed(summary: RunSummary): boolean {
  const notRun = summary.filtered ? 0 : summary.skipped + summary.todo;
  return summary.failed + notRun + summary.filesFailed + summary.unhandledErrors > 0;
}

/** summaryLine is the closing line. */
export function summaryLine(s: RunSummary): string {
  const notRun = s.skipped + s.todo;
  const verdict =
    notRun === 0 ? '' : s.filtered ? ' (left out by the name filter)' : ' (counted as failures)';
  return (
    `vitest: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped, ${s.todo} todo` +
    verdict +
    `, ${plural(s.filesFailed, 'file')} failed, ${plural(s.unhandledErrors, 'unhandled error')}`
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * SummaryReporter prints the closing line after every run and fails a run that has a
 * failure vitest does not count (skipped and todo tests) by setting the exit code.
 */
export default class SummaryReporter implements Reporter {
  #vitest: Vitest | undefined;

  onInit(vitest: Vitest): void {
    this.#vitest = vitest;
  }

  onTestRunEnd(
    testModules: readonly TestModule[],
    unhandledErrors: readonly SerializedError[],
  ): void {
    const filtered = this.#vitest?.getGlobalTestNamePattern() !== undefined;
    const summary = summarize(testModules, unhandledErrors, filtered);
    console.log(summaryLine(summary));
    if (runFailed(summary) && !process.exitCode) process.exitCode = 1;
  }
}
