#!/usr/bin/env node
// A headless "browser" for logins against authorization servers that approve without a page
// (the conformance suite's): it follows the authorization URL's redirects, the last of which is
// mcp-call's loopback callback. Use it as BROWSER=scripts/conformance/follow-redirect.mjs.
const url = process.argv[2];
if (!url) {
  console.error('usage: follow-redirect.mjs URL');
  process.exit(2);
}
const response = await fetch(url, { redirect: 'follow', signal: AbortSignal.timeout(30_000) });
await response.arrayBuffer();
