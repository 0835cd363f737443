// Fixture runs for summary-reporter.test.ts: each file is one kind of run the summary
// reporter must judge. Not part of the project's suites (they include *.test.ts only).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['*.fixture.ts'],
    reporters: ['../summary-reporter.ts'],
  },
});
