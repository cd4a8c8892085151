import { defineResource, defineResourceTemplate } from 'mcp-serve';

import { PNG } from './fixtures.ts';

export const staticText = defineResource({
  uri: 'test://static-text',
  name: 'static-text',
  description: 'A static text resource',
  mimeType: 'text/plain',
  text: 'This is the content of the static text resource.',
  // It never changes: 2026-07-28 clients and shared caches may keep it for a minute.
  cache: { ttlMs: 60_000, scope: 'public' },
});

export const staticBinary = defineResource({
  uri: 'test://static-binary',
  name: 'static-binary',
  description: 'A static binary resource',
  mimeType: 'image/png',
  read: () => Buffer.from(PNG, 'base64'),
});

export const template = defineResourceTemplate({
  uriTemplate: 'test://template/{id}/data',
  name: 'template',
  description: 'Data for an id',
  mimeType: 'application/json',
  read: (_uri, { id }) => JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
  complete: { id: (value) => ['1', '2', '3', '123'].filter((id) => id.startsWith(value)) },
});

export const watched = defineResource({
  uri: 'test://watched-resource',
  name: 'watched-resource',
  description: 'A resource that can be subscribed to',
  mimeType: 'text/plain',
  text: 'Watched resource content',
});
