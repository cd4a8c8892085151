import { defineTool } from 'mcp-serve';
import { z } from 'zod';

export default defineTool({
  name: 'greet',
  description: 'Greet someone by name',
  input: { name: z.string().default('world').describe('Who to greet') },
  handler: ({ name }) => `Hello Hello, ${name}!`,
});
