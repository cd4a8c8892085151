// Prints "N passed, M failed" from a vitest log, so every CI run can be read at a glance.
// Usage: node scripts/ci-summary.mjs LOG EXIT_STATUS
import { readFileSync } from 'node:fs';

const [log, status = '0'] = process.argv.slice(2);
const text = readFileSync(log, 'utf8').replace(/\u001b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
for (const line of text.split('\n')) {
  const match = /^\s*Tests\s+(.*)\(\d+\)\s*$/.exec(line);
  if (!match) continue;
  passed += Number(/(\d+) passed/.exec(match[1])?.[1] ?? 0);
  failed += Number(/(\d+) failed/.exec(match[1])?.[1] ?? 0);
}
// A run that failed before any test reported (install, build) still counts as a failure.
if (failed === 0 && status !== '0') failed = 1;
console.log(`${passed} passed, ${failed} failed`);
