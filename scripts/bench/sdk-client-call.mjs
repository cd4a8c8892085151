// The smallest useful SDK client: connect, call greet, print, exit. For comparison only.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const client = new Client({ name: 'bench', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(process.argv[2])));
const result = await client.callTool({ name: 'greet', arguments: { name: 'x' } });
console.log(result.content[0].text);
await client.close();
