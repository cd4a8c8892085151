// A vitest setup file: after each test file, the mcp-serve processes it started and did not stop
// (a test that failed before its own stop) are stopped, so no run leaves servers behind.
import { afterAll } from 'vitest';

import { stopStartedServers } from './start-serve.ts';

afterAll(stopStartedServers);
