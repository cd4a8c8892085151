/** A store's URL with its password hidden, for messages, logs and the banner. */
export function redactedUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.password) shown.password = '***';
  shown.search = '';
  return shown.href;
}
