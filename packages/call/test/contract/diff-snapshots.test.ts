import { describe, expect, it } from 'vitest';

import { diffSnapshots } from '../../src/contract/diff-snapshots.ts';
import type { Entry, Snapshot } from '../../src/contract/snapshot.ts';

const snapshot = (parts: Partial<Snapshot> = {}): Snapshot => ({
  mcpSnapshot: 1,
  server: { name: 's', version: '1.0.0' },
  capabilities: { tools: {} },
  tools: [],
  prompts: [],
  resources: [],
  resourceTemplates: [],
  ...parts,
});
const tool = (inputSchema: Record<string, unknown>, extra: Record<string, unknown> = {}): Entry => ({ name: 't', inputSchema: { type: 'object', ...inputSchema }, ...extra });
const changesOf = (before: Entry, after: Entry) => diffSnapshots(snapshot({ tools: [before] }), snapshot({ tools: [after] })).map((c) => `${c.severity}: ${c.change}`);

describe('diffSnapshots', () => {
  it('finds nothing between equal surfaces', () => {
    const same = tool({ properties: { a: { type: 'string' } }, required: ['a'] });
    expect(diffSnapshots(snapshot({ tools: [same] }), snapshot({ tools: [structuredClone(same)] }))).toEqual([]);
  });

  it('breaks on a new required argument, not on a new optional one', () => {
    const before = tool({ properties: { a: { type: 'string' } } });
    expect(changesOf(before, tool({ properties: { a: { type: 'string' }, b: { type: 'number' } }, required: ['b'] }))).toEqual(['breaking: new required argument "b"']);
    expect(changesOf(before, tool({ properties: { a: { type: 'string' }, b: { type: 'number' } } }))).toEqual(['compatible: new optional argument "b"']);
    expect(changesOf(before, tool({ properties: { a: { type: 'string' } }, required: ['a'] }))).toEqual(['breaking: argument "a" is now required']);
    expect(changesOf(tool({ properties: { a: { type: 'string' } }, required: ['a'] }), before)).toEqual(['compatible: argument "a" is now optional']);
  });

  it('breaks when an argument accepts less: its type, values or bounds narrowed', () => {
    const was = (a: Record<string, unknown>) => tool({ properties: { a } });
    expect(changesOf(was({ type: ['string', 'number'] }), was({ type: 'string' }))).toEqual(['breaking: argument "a": type narrowed from number or string to string']);
    expect(changesOf(was({ type: 'number' }), was({ type: 'integer' }))).toEqual(['breaking: argument "a": type narrowed from number to integer']);
    expect(changesOf(was({ type: 'integer' }), was({ type: 'number' }))).toEqual(['compatible: argument "a": type widened from integer to number']);
    expect(changesOf(was({}), was({ type: 'string' }))).toEqual(['breaking: argument "a": type narrowed from any to string']);
    expect(changesOf(was({ enum: ['x', 'y'] }), was({ enum: ['x'] }))).toEqual(['breaking: argument "a": values removed: "y"']);
    expect(changesOf(was({ enum: ['x'] }), was({ enum: ['x', 'y'] }))).toEqual(['compatible: argument "a": values added: "y"']);
    expect(changesOf(was({ type: 'string' }), was({ type: 'string', enum: ['x'] }))).toEqual(['breaking: argument "a": now limited to listed values']);
    expect(changesOf(was({ maxLength: 10 }), was({ maxLength: 5 }))).toEqual(['breaking: argument "a": maxLength changed from 10 to 5']);
    expect(changesOf(was({ maxLength: 5 }), was({ maxLength: 10 }))).toEqual(['compatible: argument "a": maxLength changed from 5 to 10']);
    expect(changesOf(was({ minimum: 1 }), was({}))).toEqual(['compatible: argument "a": minimum removed']);
    expect(changesOf(was({}), was({ pattern: '^x' }))).toEqual(['breaking: argument "a": pattern "^x" added']);
  });

  it('follows nested objects and array items', () => {
    const nested = (inner: Record<string, unknown>) => tool({ properties: { o: { type: 'object', properties: { list: { type: 'array', items: inner } } } } });
    expect(changesOf(nested({ type: 'object', properties: { id: { type: 'string' } } }), nested({ type: 'object', properties: { id: { type: 'string' }, k: { type: 'string' } }, required: ['k'] }))).toEqual([
      'breaking: new required argument "o.list[].k"',
    ]);
  });

  it('breaks when the output promises less: a property removed or optional, a type widened', () => {
    const out = (outputSchema: Record<string, unknown> | undefined) => tool({}, outputSchema ? { outputSchema } : {});
    const base = { type: 'object', properties: { total: { type: 'integer' }, note: { type: 'string' } }, required: ['total'] };
    expect(changesOf(out(base), out({ ...base, properties: { total: { type: 'integer' } } }))).toEqual(['breaking: output property "note" removed']);
    expect(changesOf(out(base), out({ ...base, required: [] }))).toEqual(['breaking: output property "total" may now be absent']);
    expect(changesOf(out(base), out({ ...base, properties: { ...base.properties, total: { type: 'number' } } }))).toEqual(['breaking: output property "total": type widened from integer to number']);
    expect(changesOf(out(base), out({ ...base, properties: { ...base.properties, extra: { type: 'string' } } }))).toEqual(['compatible: new output property "extra"']);
    expect(changesOf(out(base), out(undefined))).toEqual(['breaking: no longer declares an output schema']);
  });

  it('names removed and added tools, prompts, resources, templates and capabilities', () => {
    const before = snapshot({
      capabilities: { tools: {}, resources: { subscribe: true } },
      tools: [{ name: 'a', inputSchema: {} }],
      prompts: [{ name: 'p', arguments: [{ name: 'x' }] }],
      resources: [{ name: 'r', uri: 'file:///r', mimeType: 'text/plain' }],
      resourceTemplates: [{ name: 'tpl', uriTemplate: 'file:///{x}' }],
    });
    const after = snapshot({
      server: { name: 's', version: '1.1.0' },
      capabilities: { tools: { listChanged: true }, resources: {} },
      tools: [{ name: 'b', inputSchema: {} }],
      prompts: [{ name: 'p', arguments: [{ name: 'x' }, { name: 'y', required: true }] }],
      resources: [{ name: 'r', uri: 'file:///r', mimeType: 'application/json' }],
    });
    expect(diffSnapshots(before, after).map((c) => `${c.severity} ${c.subject}: ${c.change}`)).toEqual([
      'breaking tool "a": removed',
      'breaking prompt "p": new required argument "y"',
      'breaking resource "file:///r": MIME type changed from text/plain to application/json',
      'breaking resource template "file:///{x}": removed',
      'breaking capabilities: resources.subscribe removed',
      'compatible tool "b": added',
      'compatible capabilities: tools.listChanged added',
      'compatible server: version changed from 1.0.0 to 1.1.0',
    ]);
  });

  it('breaks when a tool stops being read-only or requires a task', () => {
    expect(changesOf(tool({}, { annotations: { readOnlyHint: true } }), tool({}, { annotations: {} }))).toEqual(['breaking: no longer read-only (readOnlyHint)']);
    expect(changesOf(tool({}), tool({}, { execution: { taskSupport: 'required' } }))).toEqual(['breaking: task support changed from forbidden to required']);
    expect(changesOf(tool({}, { description: 'old' }), tool({}, { description: 'new' }))).toEqual(['compatible: description changed']);
  });
});
