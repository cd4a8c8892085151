import { rename, writeFile } from 'node:fs/promises';

import { ExitCode, McpCliError, UsageError } from '@mcp-cli/core';

import { RpcError } from '../../client/json-rpc.ts';
import { listToolsIfSupported } from '../../client/operations.ts';
import type { CallOutcome } from '../../contract/expectation.ts';
import { type CaseReport, formatJunit } from '../../contract/junit.ts';
import { readTestFile, type TestCase } from '../../contract/test-cases.ts';
import { judgeOutcome } from '../../contract/verdict.ts';
import { callAsListed } from '../call-as-listed.ts';
import { deadline } from '../deadline.ts';
import type { GlobalOptions } from '../global-options.ts';
import { aimedAt } from '../server-argument.ts';
import { type CommandContext, withConnection } from '../session-runner.ts';
import { writeOut } from '../terminal-text.ts';

/** What `mcp-call test` was given besides the files. */
export interface TestRunOptions {
  jobs: string;
  junit?: string;
}

const MAX_JOBS = 64;
/** The longest a timer may be set for (setTimeout's limit). */
const MAX_DEADLINE_MS = 2 ** 31 - 1;

/**
 * `test FILE...`: runs each case as a tool call and judges it as `--expect` would. Each server is
 * connected once (a stdio server started once) and its cases run over that connection, `--jobs`
 * at a time. A line per case with its time; JUnit XML with `--junit`. Exit 1 if any case failed.
 */
export async function testCommand(files: string[], options: TestRunOptions, opts: GlobalOptions, env: NodeJS.ProcessEnv, interrupt: AbortSignal): Promise<number> {
  const jobs = Number(options.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new UsageError(`Invalid --jobs "${options.jobs}": use a whole number from 1 to ${MAX_JOBS}`, 'E_INVALID_OPTION');
  const timeoutSeconds = Number(opts.timeout);
  if (!(timeoutSeconds > 0)) throw new UsageError(`Invalid --timeout "${opts.timeout}": use a number of seconds above 0`, 'E_INVALID_OPTION');
  const cases = (await Promise.all(files.map(readTestFile))).flat();
  const started = Date.now();
  const reports: CaseReport[] = [];
  const reported = new Set<TestCase>();
  const report = (c: TestCase, r: CaseReport): void => {
    reported.add(c);
    reports.push(r);
    writeOut(`${r.outcome === 'passed' ? 'PASS' : 'FAIL'}  ${r.name}  (${Math.round(r.seconds * 1000)} ms)\n${r.reasons.map((reason) => `      ${reason}\n`).join('')}`);
  };
  for (const [server, group] of groupByServer(cases)) {
    const perCaseMs = (c: TestCase): number => (c.timeoutSeconds ?? timeoutSeconds) * 1000;
    const deadlineMs = Math.min(MAX_DEADLINE_MS, group.reduce((sum, c) => sum + perCaseMs(c), perCaseMs(group[0]!)));
    const aimed = aimedAt(opts, server);
    try {
      await withConnection(aimed.opts, env, interrupt, (context) => runCases(context, group, jobs, perCaseMs, report), {
        positionalUrl: aimed.positionalUrl,
        prefetch: ['tools/list'],
        deadlineMs,
      });
    } catch (error) {
      // A server that cannot be reached fails its own cases, not the cases of other servers.
      if (interrupt.aborted || !(error instanceof McpCliError) || error instanceof UsageError) throw error;
      for (const c of group) if (!reported.has(c)) report(c, { file: c.file, name: c.name, seconds: 0, outcome: 'error', reasons: [error.message] });
    }
  }
  const failed = reports.filter((r) => r.outcome !== 'passed').length;
  writeOut(`${reports.length - failed} passed, ${failed} failed (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  if (options.junit) await writeAtomically(options.junit, formatJunit(reports));
  return failed > 0 ? ExitCode.toolError : ExitCode.ok;
}

/** Cases by the server they name, in file order; undefined is the command line's server. */
function groupByServer(cases: TestCase[]): Map<string | undefined, TestCase[]> {
  const groups = new Map<string | undefined, TestCase[]>();
  for (const c of cases) groups.set(c.server, [...(groups.get(c.server) ?? []), c]);
  return groups;
}

async function runCases(context: CommandContext, cases: TestCase[], jobs: number, perCaseMs: (c: TestCase) => number, report: (c: TestCase, r: CaseReport) => void): Promise<void> {
  context.ui.stop();
  // Listed once: a tool that runs only as a task is called as one.
  const tools = new Map((await listToolsIfSupported(context.connection, context.signal))?.map((tool) => [tool.name, tool]));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cases.length) {
      const c = cases[next++]!;
      report(c, await runCase(context, c, perCaseMs(c), tools));
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, cases.length) }, worker));
}

async function runCase(context: CommandContext, c: TestCase, timeoutMs: number, tools: Map<string, Parameters<typeof callAsListed>[1]>): Promise<CaseReport> {
  const started = performance.now();
  const timer = deadline(timeoutMs);
  const signal = AbortSignal.any([context.signal, timer.signal]);
  const seconds = (): number => (performance.now() - started) / 1000;
  let outcome: CallOutcome;
  try {
    outcome = { kind: 'result', result: await callAsListed(context.connection, tools.get(c.tool), c.tool, c.args, signal) };
  } catch (error) {
    if (error instanceof RpcError) outcome = { kind: 'rpc-error', code: error.code, message: error.message, data: error.data };
    else if (timer.signal.aborted && !context.signal.aborted) return { file: c.file, name: c.name, seconds: seconds(), outcome: 'error', reasons: [`timed out after ${timeoutMs / 1000} s`] };
    else throw error;
  } finally {
    timer.clear();
  }
  const verdict = judgeOutcome(outcome, { expectations: c.expectations, expectError: c.expectError });
  return { file: c.file, name: c.name, seconds: seconds(), outcome: verdict.passed ? 'passed' : 'failure', reasons: verdict.reasons };
}

/** Written beside, then renamed: a reader never sees half a report. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  await writeFile(partial, content).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot write --junit ${file}: ${error.message}`, 'E_JUNIT_FILE');
  });
  await rename(partial, file);
}
