import { createServer as createNetServer, type Server } from 'node:net';

import { ConfigError } from '@mcp-cli/core';

/** Listens on host:port; rejects with a ConfigError that says what to do (port in use, no right to bind). */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(describeListenError(error, host, port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Fails fast, before upstream servers are started, when host:port cannot be bound: it is bound
 * once and let go. (Port 0 always can.)
 *
 * @throws ConfigError as {@link listen} does.
 */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createNetServer();
  await listen(probe, host, port);
  await new Promise((resolve) => probe.close(resolve));
}

function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): ConfigError {
  switch (error.code) {
    case 'EADDRINUSE':
      return new ConfigError(`Port ${port} on ${host} is already in use: stop the other server or pick another with --port (0 takes a free one)`, 'E_PORT_IN_USE', { cause: error });
    case 'EACCES':
      return new ConfigError(`No permission to bind ${host}:${port}: use a port above 1023 or run with the needed rights`, 'E_BIND', { cause: error });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(`Cannot bind host "${host}": it is not an address of this machine (try 127.0.0.1 or 0.0.0.0)`, 'E_BIND', { cause: error });
    default:
      return new ConfigError(`Cannot listen on ${host}:${port}: ${error.message}`, 'E_BIND', { cause: error });
  }
}
