// A closing line CI tools read: "vitest: N passed, N failed" (", N skipped" when any).
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) counts[test.result().state] += 1;
    }
    const failed =
      counts.failed + testModules.filter((m) => m.state() === 'failed' && !m.children.size).length;
    const skipped = counts.skipped + counts.pending;
    console.log(
      `vitest: ${counts.passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
    );
  }
}
