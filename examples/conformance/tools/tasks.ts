import { defineTool, RpcCode, RpcError } from 'mcp-serve';
import { z } from 'zod';

import { sleep } from '../fixtures.ts';

// Fixtures of the tasks extension scenarios (SEP-2663) of the conformance suite 0.2.0-alpha.12.

export const greet = defineTool({
  name: 'greet',
  description: 'Greets someone at once (never a task)',
  input: { name: z.string().default('world') },
  handler: ({ name }) => `Hello, ${name}!`,
});

export const slowCompute = defineTool({
  name: 'slow_compute',
  description: 'Sleeps for the given seconds, then answers; a task for clients that take tasks',
  task: 'optional',
  input: { seconds: z.number().min(0).max(60).default(1) },
  handler: async ({ seconds }, ctx) => {
    if (seconds > 0) await sleep(seconds * 1000, ctx.signal);
    return `Computed after ${seconds} s`;
  },
});

export const failingJob = defineTool({
  name: 'failing_job',
  description: 'Runs only as a task, and ends in a tool error after a second',
  task: 'required',
  handler: async (_args, ctx) => {
    await sleep(1000, ctx.signal);
    throw new Error('The job failed, as it always does');
  },
});

export const protocolErrorJob = defineTool({
  name: 'protocol_error_job',
  description: 'A task whose handler fails with a protocol error (an RpcError), not a tool error',
  task: 'optional',
  handler: async (_args, ctx) => {
    await sleep(100, ctx.signal);
    throw new RpcError(RpcCode.internalError, 'The job broke the protocol on purpose');
  },
});

export const confirmDelete = defineTool({
  name: 'confirm_delete',
  description: 'A task that asks for confirmation while it runs, then deletes nothing',
  task: 'optional',
  handler: async (_args, ctx) => {
    await sleep(50, ctx.signal);
    const answer = await ctx.elicit('Delete the file?', { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] }, { key: 'confirm' });
    return `Deletion ${answer.action === 'accept' && answer.content?.confirm === true ? 'confirmed' : 'not confirmed'}`;
  },
});

export const multiInput = defineTool({
  name: 'multi_input',
  description: 'A task that asks two questions at once while it runs',
  task: 'optional',
  handler: async (_args, ctx) => {
    await sleep(50, ctx.signal);
    const [first, second] = await Promise.all([
      ctx.elicit('First question?', { type: 'object', properties: { value: { type: 'string' } } }, { key: 'first' }),
      ctx.elicit('Second question?', { type: 'object', properties: { value: { type: 'string' } } }, { key: 'second' }),
    ]);
    return `Answers: ${first.action}, ${second.action}`;
  },
});

export const toolWithTask = defineTool({
  name: 'test_tool_with_task',
  description: 'Asks for a name through an input-required result, then runs on as a task',
  task: 'required',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicit('What is your name?', { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, { key: 'user_name' });
    await sleep(100, ctx.signal);
    return `Task done for ${String(answer.content?.name ?? 'nobody')}`;
  },
});
