// Prints, as shell `export` lines, the credentials the conformance suite passes a client in
// MCP_CONFORMANCE_CONTEXT, under the names mcp-call reads them from:
//   eval "$(node scripts/conformance/context-env.mjs)"; mcp-call --client-credentials tools URL
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}');
const names = {
  client_id: 'MCP_CLIENT_ID',
  client_secret: 'MCP_CLIENT_SECRET',
  private_key_pem: 'MCP_CLIENT_KEY',
  valid_jwt: 'MCP_CLIENT_ASSERTION',
  idp_id_token: 'MCP_ID_TOKEN',
  idp_token_endpoint: 'MCP_IDP_TOKEN_ENDPOINT',
  idp_client_id: 'MCP_IDP_CLIENT_ID',
};
const quote = (value) => `'${String(value).replaceAll("'", "'\\''")}'`;
for (const [key, name] of Object.entries(names)) if (context[key] !== undefined) console.log(`export ${name}=${quote(context[key])}`);
