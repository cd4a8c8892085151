/** How one case ended, for the report. */
export interface CaseReport {
  /** The test file: the suite the case belongs to. */
  file: string;
  name: string;
  seconds: number;
  /** `failure`: it ran and did not do what was expected; `error`: it could not run (timeout, connection). */
  outcome: 'passed' | 'failure' | 'error';
  reasons: string[];
}

/**
 * JUnit XML, as GitHub Actions reporters and GitLab read it: one `<testsuite>` per test file,
 * a `<testcase>` per case with its time, `<failure>` or `<error>` with the reasons.
 */
export function formatJunit(reports: readonly CaseReport[], name = 'mcp-call test'): string {
  const files = [...new Set(reports.map((r) => r.file))];
  const totals = count(reports);
  const suites = files.map((file) => {
    const cases = reports.filter((r) => r.file === file);
    const t = count(cases);
    const body = cases.map((r) => {
      const open = `    <testcase name="${attr(r.name)}" classname="${attr(file)}" time="${r.seconds.toFixed(3)}"`;
      if (r.outcome === 'passed') return `${open}/>`;
      const message = r.reasons[0] ?? r.outcome;
      return `${open}>\n      <${r.outcome} message="${attr(message)}">${text(r.reasons.join('\n'))}</${r.outcome}>\n    </testcase>`;
    });
    return [`  <testsuite name="${attr(file)}" tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="0" time="${t.seconds.toFixed(3)}">`, ...body, '  </testsuite>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(name)}" tests="${totals.tests}" failures="${totals.failures}" errors="${totals.errors}" time="${totals.seconds.toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function count(reports: readonly CaseReport[]): { tests: number; failures: number; errors: number; seconds: number } {
  return {
    tests: reports.length,
    failures: reports.filter((r) => r.outcome === 'failure').length,
    errors: reports.filter((r) => r.outcome === 'error').length,
    seconds: reports.reduce((sum, r) => sum + r.seconds, 0),
  };
}

/** Text XML can hold: characters XML 1.0 forbids (most controls, lone surrogates) become U+FFFD. */
function xmlSafe(value: string): string {
  return value.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function text(value: string): string {
  return xmlSafe(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
