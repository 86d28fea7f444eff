// The chat workflow without late-local-results: local activity results are handed over in the
// order sdk-core brings them. A history recorded while sdk-core handed a result over late does
// not replay on it.
import type { LateLocalResults } from '../../../src/workflows/late-local-results.js';

export function deliverLateLocalResultsFirst(): LateLocalResults {
  return { allApplied: async () => undefined };
}
