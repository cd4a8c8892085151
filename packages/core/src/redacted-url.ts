/** A URL with its password and query hidden (they may hold secrets), for messages, logs and records. */
export function redactedUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  shown.search = '';
  return shown.href;
}
