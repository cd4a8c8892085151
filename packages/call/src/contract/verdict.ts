import { errorText } from '../render.ts';
import { type CallOutcome, checkExpectations, type Expectation } from './expectation.ts';

/** What a call is expected to do: fail or succeed, and what its result holds. */
export interface CallExpectations {
  expectations: readonly Expectation[];
  /** The call must fail: an error result, or the server's JSON-RPC error. */
  expectError: boolean;
}

/** Whether a call did what was expected, and if not, one reason per line. */
export interface Verdict {
  passed: boolean;
  reasons: string[];
}

/** Judges one call's outcome; a call that fails when it should not is one reason, as is the opposite. */
export function judgeOutcome(outcome: CallOutcome, expected: CallExpectations): Verdict {
  const failed = outcome.kind === 'rpc-error' || outcome.result.isError === true;
  if (failed && !expected.expectError) return { passed: false, reasons: [`the call failed: ${describeFailure(outcome)}`] };
  if (!failed && expected.expectError) return { passed: false, reasons: ['expected the call to fail, but it succeeded'] };
  const reasons = checkExpectations(outcome, expected.expectations).map((f) => `${f.expectation} failed: expected ${f.expected}, got ${f.actual}`);
  return { passed: reasons.length === 0, reasons };
}

function describeFailure(outcome: CallOutcome): string {
  return outcome.kind === 'rpc-error' ? `JSON-RPC error ${outcome.code}: ${outcome.message}` : errorText(outcome.result);
}
