import { ConnectionError, readResponseText, ResponseTooLargeError } from '@mcp-cli/core';

/**
 * The fetch the OAuth phase uses (discovery, registration, token requests): every request ends
 * with the command's deadline (`--timeout`, Ctrl-C), and every answer is read whole, at most
 * `maxBytes` of it (`--max-message-bytes`), before the SDK sees it, so an authorization server
 * that never answers, or answers without end, costs bounded time and memory.
 */
export function boundedFetch(signal: AbortSignal, maxBytes: number): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([signal, init.signal]) : signal });
    let body: string;
    try {
      body = await readResponseText(response, maxBytes);
    } catch (error) {
      if (error instanceof ResponseTooLargeError) throw new ConnectionError(`${error.message} (raise the limit with --max-message-bytes)`, 'E_MESSAGE_TOO_LARGE');
      throw error;
    }
    const headers = new Headers(response.headers);
    // The body is already decoded and whole: its encoding and length no longer apply.
    headers.delete('content-encoding');
    headers.delete('content-length');
    const copy = new Response(response.status === 204 || response.status === 304 ? null : body, { status: response.status, statusText: response.statusText, headers });
    Object.defineProperty(copy, 'url', { value: response.url });
    return copy;
  };
}
