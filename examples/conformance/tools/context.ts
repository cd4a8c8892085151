import { defineTool } from 'mcp-serve';
import { z } from 'zod';

import { sleep } from '../fixtures.ts';

export const logging = defineTool({
  name: 'test_tool_with_logging',
  description: 'Sends log messages while it runs',
  // Takes its context apart, as a module may: each method works on its own.
  handler: async (_args, { log, signal }) => {
    await log('info', 'Tool execution started');
    await sleep(50, signal);
    await log('info', 'Tool processing data');
    await sleep(50, signal);
    await log('info', 'Tool execution completed');
    return 'Tool with logging executed successfully';
  },
});

export const progress = defineTool({
  name: 'test_tool_with_progress',
  description: 'Reports progress while it runs',
  handler: async (_args, ctx) => {
    await ctx.progress(0, 100);
    await sleep(50, ctx.signal);
    await ctx.progress(50, 100);
    await sleep(50, ctx.signal);
    await ctx.progress(100, 100);
    return 'Tool with progress executed successfully';
  },
});

export const sampling = defineTool({
  name: 'test_sampling',
  description: 'Asks the client for an LLM completion',
  input: { prompt: z.string().describe('The prompt to send') },
  handler: async ({ prompt }, ctx) => {
    const reply = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 100 });
    return `LLM response: ${reply.content.type === 'text' ? reply.content.text : ''}`;
  },
});

export const elicitation = defineTool({
  name: 'test_elicitation',
  description: 'Asks the user for information',
  input: { message: z.string().describe('What to ask') },
  handler: async ({ message }, ctx) => {
    const answer = await ctx.elicit(message, {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    });
    return `User response: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});

export const elicitationDefaults = defineTool({
  name: 'test_elicitation_sep1034_defaults',
  description: 'Asks for input with a default for each field',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicit('Please review and update the form fields with defaults', {
      type: 'object',
      properties: {
        name: { type: 'string', description: 'User name', default: 'John Doe' },
        age: { type: 'integer', description: 'User age', default: 30 },
        score: { type: 'number', description: 'User score', default: 95.5 },
        status: { type: 'string', description: 'User status', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', description: 'Verification status', default: true },
      },
      required: [],
    });
    return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});

export const elicitationEnums = defineTool({
  name: 'test_elicitation_sep1330_enums',
  description: 'Asks for input with every enum form',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicit('Please select options from the enum fields', {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          description: 'Select one option with titles',
          oneOf: [
            { const: 'value1', title: 'First Option' },
            { const: 'value2', title: 'Second Option' },
            { const: 'value3', title: 'Third Option' },
          ],
        },
        legacyEnum: {
          type: 'string',
          description: 'Select one option (legacy)',
          enum: ['opt1', 'opt2', 'opt3'],
          enumNames: ['Option One', 'Option Two', 'Option Three'],
        },
        untitledMulti: {
          type: 'array',
          description: 'Select multiple options',
          minItems: 1,
          maxItems: 3,
          items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        },
        titledMulti: {
          type: 'array',
          description: 'Select multiple options with titles',
          minItems: 1,
          maxItems: 3,
          items: {
            anyOf: [
              { const: 'value1', title: 'First Choice' },
              { const: 'value2', title: 'Second Choice' },
              { const: 'value3', title: 'Third Choice' },
            ],
          },
        },
      },
      required: [],
    });
    return `Elicitation completed: action=${answer.action}, content=${JSON.stringify(answer.content ?? {})}`;
  },
});

export const urlElicitation = defineTool({
  name: 'test_url_elicitation',
  description: 'Asks the user to visit a sign-in page (URL-mode elicitation), then says the step is done',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicitUrl('Sign in to continue', 'https://example.com/login');
    if (answer.action === 'accept' && answer.elicitationId) await ctx.elicitationComplete(answer.elicitationId);
    return `URL step ${answer.action}`;
  },
});

export const samplingWithTools = defineTool({
  name: 'test_sampling_with_tools',
  description: 'Asks the client for a completion that may call a weather tool (needs sampling.tools)',
  handler: async (_args, ctx) => {
    const answer = await ctx.sample({
      messages: [{ role: 'user', content: { type: 'text', text: 'What is the weather in Oslo?' } }],
      maxTokens: 100,
      tools: [{ name: 'get_weather', description: 'The weather in a city', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      toolChoice: { mode: 'auto' },
    });
    return `Model ${answer.model} answered`;
  },
});
