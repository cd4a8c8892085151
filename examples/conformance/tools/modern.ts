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

const nameSchema = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

export const inputElicitation = defineTool({
  name: 'test_input_required_result_elicitation',
  description: 'Asks for the user name (key "user_name") and greets it',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicit('What is your name?', nameSchema, { key: 'user_name' });
    return `Hello, ${String(answer.content?.name ?? 'stranger')}!`;
  },
});

export const inputSampling = defineTool({
  name: 'test_input_required_result_sampling',
  description: 'Asks the client for a completion (key "capital_question") and returns its text',
  handler: async (_args, ctx) => {
    const answer = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }, { key: 'capital_question' });
    return `Sampled: ${answer.content.type === 'text' ? answer.content.text : answer.content.type}`;
  },
});

export const inputRoots = defineTool({
  name: 'test_input_required_result_list_roots',
  description: 'Asks the client for its roots (key "client_roots") and names them',
  handler: async (_args, ctx) => {
    const roots = await ctx.roots({ key: 'client_roots' });
    return `Roots: ${roots.map((root) => root.uri).join(', ') || 'none'}`;
  },
});

export const inputRequestState = defineTool({
  name: 'test_input_required_result_request_state',
  description: 'Asks for a confirmation (key "confirm"); the signed requestState carries the round',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicit('Please confirm', { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] }, { key: 'confirm' });
    return `state-ok: confirmation ${answer.action}`;
  },
});

export const inputMultiple = defineTool({
  name: 'test_input_required_result_multiple_inputs',
  description: 'Asks for a name, a completion and the roots in one round',
  handler: async (_args, ctx) => {
    const [name, greeting, roots] = await Promise.all([
      ctx.elicit('What is your name?', nameSchema, { key: 'user_name' }),
      ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }, { key: 'greeting' }),
      ctx.roots({ key: 'client_roots' }),
    ]);
    return `name ${name.action}, greeting from ${greeting.model}, ${roots.length} roots`;
  },
});

export const inputMultiRound = defineTool({
  name: 'test_input_required_result_multi_round',
  description: 'Asks for a name, then for a colour, in two rounds',
  handler: async (_args, ctx) => {
    const name = await ctx.elicit('Step 1: What is your name?', nameSchema, { key: 'step1' });
    const color = await ctx.elicit('Step 2: What is your favorite color?', { type: 'object', properties: { color: { type: 'string' } }, required: ['color'] }, { key: 'step2' });
    return `${String(name.content?.name)} likes ${String(color.content?.color)}`;
  },
});

export const inputTamperedState = defineTool({
  name: 'test_input_required_result_tampered_state',
  description: 'Asks for a name; its requestState is signed, so a changed one is refused',
  handler: async (_args, ctx) => {
    const answer = await ctx.elicit('What is your name?', nameSchema, { key: 'user_name' });
    return `Hello, ${String(answer.content?.name)}!`;
  },
});

export const inputCapabilities = defineTool({
  name: 'test_input_required_result_capabilities',
  description: 'Asks only for what the client declared: sampling, elicitation, roots',
  handler: async (_args, ctx) => {
    const asks: Promise<unknown>[] = [];
    if (ctx.clientCapabilities.sampling) asks.push(ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Say hi' } }], maxTokens: 10 }, { key: 'sampling' }));
    if (ctx.clientCapabilities.elicitation) asks.push(ctx.elicit('What is your name?', nameSchema, { key: 'elicitation' }));
    if (ctx.clientCapabilities.roots) asks.push(ctx.roots({ key: 'roots' }));
    await Promise.all(asks);
    return `Asked for ${asks.length} inputs`;
  },
});

export const headerParams = defineTool({
  name: 'test_header_params',
  description: 'Takes a region mirrored into the Mcp-Param-Region header (x-mcp-header) and a query',
  input: {
    type: 'object',
    properties: {
      region: { type: 'string', description: 'Where to run', 'x-mcp-header': 'Region' },
      query: { type: 'string', description: 'What to run' },
    },
    required: ['region'],
  },
  handler: ({ region, query }) => `Ran ${String(query ?? 'nothing')} in ${String(region)}`,
});

export const triggerToolChange = defineTool({
  name: 'test_trigger_tool_change',
  description: 'Tells clients that follow list changes that the tools list changed',
  handler: (_args, ctx) => {
    ctx.listChanged('tools');
    return 'Announced a tools list change';
  },
});

export const triggerPromptChange = defineTool({
  name: 'test_trigger_prompt_change',
  description: 'Tells clients that follow list changes that the prompts list changed',
  handler: (_args, ctx) => {
    ctx.listChanged('prompts');
    return 'Announced a prompts list change';
  },
});
