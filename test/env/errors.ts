// TestEnvError is the one error the test environment throws: it says what failed and,
// where a person can fix it, what to do.
export class TestEnvError extends Error {
  override readonly name = 'TestEnvError';
}
