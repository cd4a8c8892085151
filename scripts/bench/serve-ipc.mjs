// Runs the built mcp-serve CLI in this process and answers the benchmark's IPC questions
// ({ type: 'stats' } → heap and RSS after a full GC). Start with --expose-gc.
import { installStatsChannel } from './stats-channel.mjs';

installStatsChannel();
const { run } = await import('../../packages/serve/dist/cli.js');
process.exitCode = await run([process.argv[0], 'mcp-serve', ...process.argv.slice(2)]);
