import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants, openSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { AuditLog, isoTime } from '../../src/audit/audit-log.ts';
import type { McpSession, ObservedRequest } from '../../src/server/mcp-session.ts';
import type { Registry } from '../../src/server/registry.ts';

// What the audit log reads of a server: its tools, and a session with a static token's principal.
const registry = { tools: new Map([['greet', {}], ['say "hi"\n\u2028', {}]]), prompts: new Map(), resources: new Map(), templates: [] } as unknown as Registry;
const session = { id: 'session-1', auth: undefined, principal: 'a1b2c3d4e5f6a7b8', clientAddress: '127.0.0.1', route: undefined } as unknown as McpSession;
const greet = (name: string): ObservedRequest => ({ method: 'tools/call', params: { name: 'greet', arguments: { name } }, session, requestId: 1, span: undefined });

describe('isoTime', () => {
  it('is what Date#toISOString says, for any millisecond', () => {
    const times = [0, 9, 10, 99, 100, 999, 1000, 1_765_000_000_000, 1_765_000_000_001, 1_765_000_000_999, -1];
    for (let i = 0; i < 2000; i++) times.push(1_765_000_000_000 + Math.floor(Math.random() * 10_000_000));
    for (const ms of times) expect(isoTime(ms), String(ms)).toBe(new Date(ms).toISOString());
  });
});

describe('AuditLog', () => {
  it('writes each call once, in order, to a file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'audit-')), 'audit.jsonl');
    const log = await AuditLog.open(file, () => registry);
    for (let i = 0; i < 2500; i++) log.requestEnded(greet(`n${i}`), 'ok', 0.0012);
    log.requestEnded({ ...greet('x'), params: { name: 'nope' } }, 'protocol_error', 0.5);
    const stateless = { ...session, id: undefined, auth: { sub: 'ada', client_id: 'ci' } } as unknown as McpSession;
    log.requestEnded({ ...greet('x'), session: stateless, params: { name: 'say "hi"\n\u2028', arguments: { b: 1, a: '"' } } }, 'tool_error', 2);
    await log.close();
    const text = (await readFile(file, 'utf8')).trim().split('\n');
    // Each line is JSON as JSON.stringify writes it, whatever the names hold.
    for (const line of text) expect(line).toBe(JSON.stringify(JSON.parse(line)));
    const lines = text.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2502);
    expect(lines.at(-1)).toEqual({ time: expect.any(String), identity: { subject: 'ada', clientId: 'ci', address: '127.0.0.1' }, method: 'tools/call', name: 'say "hi"\n\u2028', argumentsHash: `sha256:${createHash('sha256').update('{"a":"\\"","b":1}').digest('hex')}`, outcome: 'tool_error', durationMs: 2000 });
    expect(lines[0]).toMatchObject({ identity: { token: 'a1b2c3d4e5f6', address: '127.0.0.1' }, session: 'session-1', method: 'tools/call', name: 'greet', outcome: 'ok', durationMs: 1.2 });
    expect(lines.at(-2)).toMatchObject({ name: '(unknown)', outcome: 'protocol_error', durationMs: 500 });
    // Each line hashes its own call's arguments.
    expect(new Set(lines.map((line) => line.argumentsHash)).size).toBe(2502);
  });

  it('holds a bounded number of lines while its sink does not read, and counts what it dropped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-'));
    const fifo = join(dir, 'audit.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that does not read yet: the pipe fills, and the log's writes wait.
    const reader = new Socket({ fd: openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
    reader.pause();
    const log = await AuditLog.open(fifo, () => registry);
    for (let i = 0; i < 25_000; i++) log.requestEnded(greet(`n${i}`), 'ok', 0.001);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the first batch is handed to the sink, which is full
    for (let i = 0; i < 5_000; i++) log.requestEnded(greet(`m${i}`), 'ok', 0.001);
    const chunks: Buffer[] = [];
    reader.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise((resolve) => reader.once('end', resolve));
    reader.resume();
    await log.close();
    await ended;
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const dropped = lines.filter((line) => line.event === 'audit_lines_dropped');
    // 10,000 lines are held at most: of the first 25,000 calls, 15,000 were dropped, and said so.
    expect(dropped).toEqual([{ time: expect.any(String), event: 'audit_lines_dropped', count: 15_000 }]);
    expect(lines).toHaveLength(15_001);
    expect(lines.indexOf(dropped[0]!)).toBe(10_000);
    expect(lines.filter((line) => line.name === 'greet')).toHaveLength(15_000);
  });
});
