import { definePrompt } from 'mcp-serve';
import { z } from 'zod';

import { PNG } from './fixtures.ts';

export const simple = definePrompt({
  name: 'test_simple_prompt',
  description: 'A prompt without arguments',
  get: () => 'This is a simple prompt for testing.',
});

export const withArguments = definePrompt({
  name: 'test_prompt_with_arguments',
  description: 'A prompt with two arguments',
  arguments: [
    { name: 'arg1', description: 'First argument', required: true },
    { name: 'arg2', description: 'Second argument', required: true },
  ],
  complete: { arg1: (value) => ['test', 'testValue1'].filter((v) => v.startsWith(value)) },
  get: ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
});

export const withResource = definePrompt({
  name: 'test_prompt_with_embedded_resource',
  description: 'A prompt that embeds a resource',
  arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
  get: ({ resourceUri }) => [
    {
      role: 'user',
      content: { type: 'resource', resource: { uri: resourceUri ?? '', mimeType: 'text/plain', text: 'Embedded resource content for testing.' } },
    },
    { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
  ],
});

export const withImage = definePrompt({
  name: 'test_prompt_with_image',
  description: 'A prompt that includes an image',
  get: () => [
    { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
    { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
  ],
});

export const inputRequired = definePrompt({
  name: 'test_input_required_result_prompt',
  description: 'Asks the user for context (key "user_context") before it is built',
  get: async (_args, ctx) => {
    const answer = await ctx.elicit('What context should the prompt use?', { type: 'object', properties: { context: { type: 'string' } }, required: ['context'] }, { key: 'user_context' });
    return `Use this context: ${String(answer.content?.context ?? 'none')}`;
  },
});

export const checkedArguments = definePrompt({
  name: 'test_prompt_with_checked_arguments',
  description: 'A prompt whose arguments are checked with zod',
  input: {
    topic: z.string().min(3).describe('What to write about'),
    words: z.coerce.number().int().max(500).default(100).describe('Length of the text'),
  },
  get: ({ topic, words }) => `Write ${words} words about ${topic}.`,
});
