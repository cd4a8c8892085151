import type { Logger } from '../logger.ts';
import type { MessageSink } from './json-rpc.ts';
import { McpSession, type SessionProtocol } from './mcp-session.ts';
import { existingUpdateSender } from './method-handlers.ts';
import type { SubscriptionHub } from './subscription-hub.ts';

/** What every server does with a new session, whatever carries it. */
export interface OpenSessionOptions {
  protocol: SessionProtocol;
  subscriptions: SubscriptionHub;
  logger: Logger;
  /** A client's notification (a gateway passes roots changes to that client's own upstreams). */
  onClientNotification?: (method: string, params: Record<string, unknown>, sessionId: string | undefined) => void;
  /** More to do when the session closes (limits, timers). */
  onClose?: () => void;
}

/**
 * Creates a protocol session that logs cancellations, passes client notifications on, and drops
 * its resource subscriptions when it closes.
 */
export function openSession(id: string | undefined, sink: MessageSink, options: OpenSessionOptions): McpSession {
  const { logger, subscriptions } = options;
  const session = new McpSession(id, options.protocol, sink);
  const logCancel: McpSession['oncancel'] = (requestId, request, reason) =>
    logger.debug(request.method === 'tools/call' ? 'call cancelled' : 'request cancelled', {
      ...(request.name === undefined ? {} : { tool: request.name }),
      method: request.method,
      ...(id === undefined ? {} : { sessionId: id }),
      requestId,
      reason,
    });
  const dropSubscriptions = (): void => {
    const send = existingUpdateSender(session);
    if (send) subscriptions.unsubscribe(send);
    options.onClose?.();
  };
  const notified = options.onClientNotification;
  session.onnotification = notified && ((method, params) => notified(method, params, id));
  session.oncancel = logCancel;
  session.onclose = dropSubscriptions;
  return session;
}
