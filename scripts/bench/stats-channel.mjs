// Answers { type: 'stats' } IPC messages with memory after a full GC (needs --expose-gc), so the
// benchmark can measure heap per idle session of a server running in another process.
export function installStatsChannel() {
  if (!process.send) return;
  process.on('message', (message) => {
    if (message?.type !== 'stats') return;
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ type: 'stats', heapUsed, rss });
  });
  process.channel?.unref();
}
