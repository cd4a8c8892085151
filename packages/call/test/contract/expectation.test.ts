import { describe, expect, it } from 'vitest';

import { type CallOutcome, checkExpectations, parseExpectation } from '../../src/contract/expectation.ts';
import { judgeOutcome } from '../../src/contract/verdict.ts';

const result = (value: Record<string, unknown>): CallOutcome => ({ kind: 'result', result: value as never });
const failuresOf = (outcome: CallOutcome, ...sources: string[]) => checkExpectations(outcome, sources.map(parseExpectation));

describe('--expect', () => {
  const sum = result({ content: [{ type: 'text', text: 'Hello' }, { type: 'image', data: 'x' }, { type: 'text', text: 'world' }], structuredContent: { total: 3, items: [{ id: 'a' }, { id: 'b' }], tags: ['x'] } });

  it('checks a path against a JSON value, and text against a regex', () => {
    expect(failuresOf(sum, '.structuredContent.total=3', 'structuredContent.items[1].id="b"', 'structuredContent.items.0.id=a', '.structuredContent.tags=["x"]', 'text~/^Hello\\nworld$/', 'text~world')).toEqual([]);
    expect(failuresOf(sum, '.structuredContent.total=4')).toEqual([{ expectation: '.structuredContent.total=4', expected: '4', actual: '3' }]);
    // A number is not its string: 3 and "3" differ.
    expect(failuresOf(sum, '.structuredContent.total="3"')).toHaveLength(1);
    expect(failuresOf(sum, 'text~/hello/')).toHaveLength(1);
    expect(failuresOf(sum, 'text~/hello/i')).toEqual([]);
    // A regex tests a value that is not a string as its JSON.
    expect(failuresOf(sum, '.structuredContent.items~/"id":"b"/')).toEqual([]);
  });

  it('says when nothing is at the path, and never reaches the prototype', () => {
    expect(failuresOf(sum, '.structuredContent.missing.deeper=1')).toEqual([{ expectation: '.structuredContent.missing.deeper=1', expected: '1', actual: '(nothing there)' }]);
    expect(failuresOf(sum, '.constructor~/Object/', '.__proto__={}')).toHaveLength(2);
    // An array's own length is there to check.
    expect(failuresOf(sum, '.structuredContent.items.length=2')).toEqual([]);
  });

  it('shortens a long actual value', () => {
    const [failure] = failuresOf(result({ content: [{ type: 'text', text: 'y'.repeat(5000) }] }), 'text=short');
    expect(failure!.actual).toMatch(/^"y{199}… \(5002 characters\)$/);
  });

  it('refuses text that is not PATH=JSON or PATH~REGEX, naming the form', () => {
    expect(() => parseExpectation('nothing')).toThrow(/Invalid expectation "nothing": write PATH=JSON or PATH~\/REGEX\//);
    expect(() => parseExpectation('=3')).toThrow(/Invalid expectation/);
    expect(() => parseExpectation('text~/(/')).toThrow(/Invalid regex in expectation "text~\/\(\/"/);
    expect(() => parseExpectation('.a[x]=1')).toThrow(/Invalid path "\.a\[x\]"/);
  });

  it('judges a JSON-RPC error as an error result whose text is its message', () => {
    const rpc: CallOutcome = { kind: 'rpc-error', code: -32602, message: 'Invalid params: name' };
    const expected = { expectations: ['text~/Invalid params/', '.error.code=-32602'].map(parseExpectation), expectError: true };
    expect(judgeOutcome(rpc, expected)).toEqual({ passed: true, reasons: [] });
    expect(judgeOutcome(rpc, { expectations: [], expectError: false })).toEqual({ passed: false, reasons: ['the call failed: JSON-RPC error -32602: Invalid params: name'] });
    expect(judgeOutcome(sum, { expectations: [], expectError: true })).toEqual({ passed: false, reasons: ['expected the call to fail, but it succeeded'] });
    expect(judgeOutcome(sum, { expectations: [parseExpectation('.structuredContent.total=4')], expectError: false }).reasons).toEqual(['.structuredContent.total=4 failed: expected 4, got 3']);
  });
});
