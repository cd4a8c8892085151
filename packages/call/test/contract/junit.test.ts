import { parse, type TestSuites } from 'junit2json';
import { describe, expect, it } from 'vitest';

import { formatJunit } from '../../src/contract/junit.ts';

describe('formatJunit', () => {
  it('keeps XML well formed whatever a server wrote into a reason', async () => {
    const hostile = 'got "<b>&amp;</b>"\u0000\u001b[31m\ud800 ]]> end';
    const xml = formatJunit([
      { file: 'a "quoted" & <file>.yaml', name: 'case <1>', seconds: 0.0123, outcome: 'failure', reasons: [hostile, 'second line'] },
      { file: 'a "quoted" & <file>.yaml', name: 'ok', seconds: 1, outcome: 'passed', reasons: [] },
    ]);
    const report = (await parse(xml)) as TestSuites;
    expect(report).toMatchObject({ tests: 2, failures: 1, errors: 0 });
    const [suite] = report.testsuite!;
    expect(suite!.name).toBe('a "quoted" & <file>.yaml');
    const failing = suite!.testcase![0]!;
    expect(failing).toMatchObject({ name: 'case <1>', time: 0.012 });
    expect(failing.failure![0]!.message).toBe('got "<b>&amp;</b>"\ufffd\ufffd[31m\ufffd ]]> end');
    expect(failing.failure![0]!.inner).toBe('got "<b>&amp;</b>"\ufffd\ufffd[31m\ufffd ]]> end\nsecond line');
  });
});
