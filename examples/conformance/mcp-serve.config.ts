import { defineConfig } from 'mcp-serve';

export default defineConfig({
  name: 'mcp-serve-conformance',
  version: '1.0.0',
  tools: './tools/*.ts',
  resources: './resources.ts',
  prompts: './prompts.ts',
  skills: './skills',
});
