/** A response body longer than its limit: the reading stopped there. */
export class ResponseTooLargeError extends Error {
  readonly url: string;
  readonly maxBytes: number;

  constructor(url: string, maxBytes: number) {
    super(`${url} sent an answer larger than ${maxBytes} bytes`);
    this.name = 'ResponseTooLargeError';
    this.url = url;
    this.maxBytes = maxBytes;
  }
}

/**
 * Reads a fetch response's body as text, at most `maxBytes` of it: past that the body is
 * cancelled and ResponseTooLargeError thrown, so a peer that answers without end costs a bounded
 * amount of memory.
 */
export async function readResponseText(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(response.url, maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(response.url, maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, length).toString('utf8');
}
