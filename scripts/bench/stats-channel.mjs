// Answers { type: 'stats' } IPC messages with memory after a full GC (needs --expose-gc), so the
// benchmark can measure heap per idle session of a server running in another process, and
// { type: 'cpu' } with the process's CPU time so far in microseconds (finer than /proc's 10 ms).
export function installStatsChannel() {
  if (!process.send) return;
  process.on('message', (message) => {
    if (message?.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send({ type: 'cpu', micros: user + system });
      return;
    }
    if (message?.type !== 'stats') return;
    for (let i = 0; i < 3; i++) globalThis.gc?.();
    const { heapUsed, rss } = process.memoryUsage();
    process.send({ type: 'stats', heapUsed, rss });
  });
  process.channel?.unref();
}
