import { defineConfig } from 'mcp-serve';

// The Hello Server of the protocol walkthrough: one tool, one resource, one prompt.
export default defineConfig({
  name: 'Hello Server',
  version: '1.0.0',
  host: '127.0.0.1',
  port: 8000,
  tools: './tools/*.ts',
  resources: './resources/*.ts',
  prompts: './prompts/*.ts',
});
