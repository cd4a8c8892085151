import { defineTool } from 'mcp-serve';

// Fixtures of the protocol 2026-07-28 scenarios of the conformance suite (0.2.0-alpha.12).

export const missingCapability = defineTool({
  name: 'test_missing_capability',
  description: 'Asks the client for a sampling completion, so a client that did not declare sampling is refused with -32021',
  handler: async (_args, ctx) => {
    const result = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hello' } }], maxTokens: 20 });
    return `Sampled: ${JSON.stringify(result.content)}`;
  },
});

export const loggingTool = defineTool({
  name: 'test_logging_tool',
  description: 'Logs three messages while it runs; a 2026-07-28 request gets them only when its _meta sets a log level',
  handler: async (_args, ctx) => {
    await ctx.log('info', 'first log message');
    await ctx.log('warning', 'second log message');
    await ctx.log('error', 'third log message');
    return 'Logged three messages';
  },
});

export const streamingElicitation = defineTool({
  name: 'test_streaming_elicitation',
  description: 'Reports progress, then asks the user for a name',
  handler: async (_args, ctx) => {
    await ctx.progress(1, 2, 'asking the user');
    const answer = await ctx.elicit('What is your name?', { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
    return `User answered: ${answer.action}`;
  },
});
