// A minimal script on the official SDK client: start the stdio server, call greet, print, exit.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const client = new Client({ name: 'bench', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [new URL('./stdio-server.mjs', import.meta.url).pathname] }));
const result = await client.callTool({ name: 'greet', arguments: { name: 'x' } });
console.log(result.content[0].text);
await client.close();
