import type { MethodHandler } from './mcp-session.ts';

/** Methods a server adds to the MCP ones (the gateway's per-user secrets), and the experimental capability that announces them. */
export interface ProtocolExtension {
  methods: ReadonlyMap<string, MethodHandler>;
  experimental: Record<string, unknown>;
}
