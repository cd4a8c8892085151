import type { JsonRpcMessage } from '@mcp-cli/core';

import type { ClientTransport } from './json-rpc.ts';

/** Sees every JSON-RPC message a connection sends and receives (`--record`). */
export type MessageTap = (from: 'client' | 'server', message: JsonRpcMessage) => void;

/**
 * Makes `transport` show each message to `tap` before it is sent or handled. Called once the
 * session has set its `onMessage`; the transport stays the same object (its class is still asked).
 */
export function tapMessages(transport: ClientTransport, tap: MessageTap): void {
  const send = transport.send.bind(transport);
  const tappedSend: ClientTransport['send'] = (message, signal) => {
    tap('client', message);
    return send(message, signal);
  };
  const receive = transport.onMessage;
  const tappedReceive: ClientTransport['onMessage'] = (message, relatedTo) => {
    tap('server', message);
    receive(message, relatedTo);
  };
  transport.send = tappedSend;
  transport.onMessage = tappedReceive;
}
