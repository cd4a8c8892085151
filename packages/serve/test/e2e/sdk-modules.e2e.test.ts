import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { REPO_ROOT, runCall, startServe } from '@mcp-cli/test-utils';
import { describe, expect, it } from 'vitest';

import { connectSdkClient, TRANSPORTS } from './sdk-client.ts';

const CONFIG = `${REPO_ROOT}packages/serve/test/fixtures/sdk-modules/mcp-serve.config.mjs`;

describe('modules that export an SDK McpServer, or a factory of one', () => {
  for (const transport of TRANSPORTS) {
    it(`serves them as they are, next to plain modules, over ${transport}`, async () => {
      const server = await startServe(['--config', CONFIG]);
      const client = await connectSdkClient(server.url, transport);
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['forecast', 'increment', 'plain']);
      const logs: string[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void logs.push(String(n.params.data)));
      expect((await client.callTool({ name: 'forecast', arguments: { city: 'Zürich' } })).content).toEqual([{ type: 'text', text: 'Sunny in Zürich' }]);
      expect(logs).toContain('looking up Zürich');
      // The SDK server validates its own arguments.
      expect(JSON.stringify(await client.callTool({ name: 'forecast', arguments: {} }).catch((e: Error) => e.message))).toMatch(/city/);
      expect((await client.getPrompt({ name: 'packing', arguments: { city: 'Oslo' } })).messages[0]!.content).toEqual({ type: 'text', text: 'What should I pack for Oslo?' });
      expect((await client.readResource({ uri: 'weather://stations' })).contents[0]).toMatchObject({ text: 'Zürich, Oslo' });
      // A factory gives each session its own server.
      expect((await client.callTool({ name: 'increment', arguments: {} })).content).toEqual([{ type: 'text', text: '1' }]);
      expect((await client.callTool({ name: 'increment', arguments: {} })).content).toEqual([{ type: 'text', text: '2' }]);
      const other = await connectSdkClient(server.url, transport);
      expect((await other.callTool({ name: 'increment', arguments: {} })).content).toEqual([{ type: 'text', text: '1' }]);
      await Promise.all([client.close(), other.close()]);
      expect((await runCall(['--url', server.url, 'forecast', '--city', 'Oslo'])).stdout).toBe('Sunny in Oslo\n');
      expect(await server.stop()).toBe(0);
    });
  }
});
