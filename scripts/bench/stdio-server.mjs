// The minimal stdio MCP server every stdio client is measured against: newline-delimited
// JSON-RPC, one greet tool, nothing loaded beyond Node itself.
let buffer = '';
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
process.stdin.setEncoding('utf8').on('data', (chunk) => {
  buffer += chunk;
  for (let end = buffer.indexOf('\n'); end !== -1; end = buffer.indexOf('\n')) {
    const line = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    if (!line.trim()) continue;
    const { id, method, params } = JSON.parse(line);
    if (id === undefined) continue;
    if (method === 'initialize') send({ jsonrpc: '2.0', id, result: { protocolVersion: params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'bench-stdio', version: '1.0.0' } } });
    else if (method === 'tools/list') send({ jsonrpc: '2.0', id, result: { tools: [{ name: 'greet', description: 'Greet someone', inputSchema: { type: 'object', properties: { name: { type: 'string' } } } }] } });
    else if (method === 'tools/call') send({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `Hello Hello, ${params.arguments?.name ?? 'world'}!` }] } });
    else if (method === 'ping') send({ jsonrpc: '2.0', id, result: {} });
    else send({ jsonrpc: '2.0', id, error: { code: -32601, message: `Method not found: ${method}` } });
  }
});
