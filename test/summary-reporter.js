/** Prints one plain line that CI reads: "N passed, N failed" (plus skipped when any). */
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const suites = results.numFailedTestSuites ? ` (${results.numFailedTestSuites} suite(s) failed to run or failed)` : '';
    console.log(`${results.numPassedTests} passed, ${results.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}${suites}`);
  }
}
