import { definePrompt, defineResource, defineTool } from '@mcp-cli/core';
import { z } from 'zod';

import type { LoadedModule } from '../config/load-modules.ts';

/** The greet tool of the protocol walkthrough's `Hello Server`. */
export const greet = defineTool({
  name: 'greet',
  description: 'Greet someone by name',
  input: { name: z.string().default('world').describe('Who to greet') },
  annotations: { readOnlyHint: true, idempotentHint: true },
  handler: ({ name }) => `Hello Hello, ${name}!`,
});

const about = defineResource({
  uri: 'hello://about',
  name: 'about',
  description: 'What this server is',
  mimeType: 'text/plain',
  text: 'Hello Server: the built-in example of mcp-serve. Write a mcp-serve.config.ts to serve your own tools.',
});

const greeting = definePrompt({
  name: 'greeting',
  description: 'Ask the model to write a warm greeting',
  arguments: [{ name: 'name', description: 'Who to greet', required: true }],
  get: ({ name }) => `Write a short, warm greeting for ${name}.`,
});

/** Served when no config file is found, so `npx mcp-serve` is useful in an empty directory. */
export const BUILTIN_HELLO: LoadedModule = {
  file: '(built-in hello example)',
  definitions: [greet, about, greeting],
};

/** The server identity of the built-in example. */
export const BUILTIN_INFO = { name: 'Hello Server', version: '1.0.0' } as const;
