import { definePrompt } from 'mcp-serve';

export default definePrompt({
  name: 'greeting',
  description: 'Ask the model to write a warm greeting',
  arguments: [
    { name: 'name', description: 'Who to greet', required: true },
    { name: 'tone', description: 'formal or casual' },
  ],
  complete: { tone: (value) => ['formal', 'casual'].filter((t) => t.startsWith(value)) },
  get: ({ name, tone = 'casual' }) => `Write a short, ${tone} greeting for ${name}.`,
});
