import type { TransportChoice } from '../client/connect.ts';
import type { StdioServer } from '../client/stdio-transport.ts';

/**
 * What a warm-server daemon connects to and how: everything that makes one connection differ from
 * another, so that calls that would connect differently never share a daemon.
 */
export interface DaemonSpec {
  target: { url: string; transport: TransportChoice; headers: Record<string, string>; waitMs: number } | { stdio: StdioServer };
  protocolVersion: string;
  maxMessageBytes: number;
  /** The client capabilities declared to the server (they follow --root, --elicit, --sampling-command). */
  capabilities: Record<string, unknown>;
  roots: { uri: string; name: string }[];
}

/** The spec with what the daemon process needs besides: its files and how long it stays idle. */
export interface DaemonLaunch {
  spec: DaemonSpec;
  keepAliveMs: number;
  socket: string;
  pidFile: string;
}

/** What a daemon tells each client first: the connection it holds. */
export interface DaemonHello {
  /** The server: its URL or command line, as `mcp-call stop SERVER` names it. */
  server: string;
  protocolVersion: string;
  transport: 'http' | 'sse' | 'stdio' | 'memory';
  url: string;
  description: { serverInfo: { name: string; version: string }; capabilities: Record<string, unknown>; instructions: string | undefined };
}

/** The server as a daemon names it. */
export function describeTarget(target: { stdio: StdioServer } | { url: string }): string {
  return 'stdio' in target ? [target.stdio.command, ...target.stdio.args].join(' ') : target.url;
}
