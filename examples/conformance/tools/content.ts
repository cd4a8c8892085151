import { defineTool } from 'mcp-serve';

import { PNG, WAV } from '../fixtures.ts';

export const simpleText = defineTool({
  name: 'test_simple_text',
  description: 'Returns a simple text response',
  handler: () => 'This is a simple text response for testing.',
});

export const image = defineTool({
  name: 'test_image_content',
  description: 'Returns an image',
  handler: () => ({ type: 'image', data: PNG, mimeType: 'image/png' }),
});

export const audio = defineTool({
  name: 'test_audio_content',
  description: 'Returns an audio clip',
  handler: () => ({ type: 'audio', data: WAV, mimeType: 'audio/wav' }),
});

export const embedded = defineTool({
  name: 'test_embedded_resource',
  description: 'Returns an embedded resource',
  handler: () => ({
    type: 'resource',
    resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' },
  }),
});

export const mixed = defineTool({
  name: 'test_multiple_content_types',
  description: 'Returns text, an image and a resource',
  handler: () => [
    { type: 'text', text: 'Multiple content types test:' },
    { type: 'image', data: PNG, mimeType: 'image/png' },
    {
      type: 'resource',
      resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: '{"test":"data","value":123}' },
    },
  ],
});

export const error = defineTool({
  name: 'test_error_handling',
  description: 'Always fails',
  handler: () => {
    throw new Error('This tool intentionally returns an error for testing');
  },
});

export const resourceLink = defineTool({
  name: 'test_resource_link',
  description: 'Returns a link to a resource (given as text to clients before 2025-06-18)',
  handler: () => ({ type: 'resource_link', uri: 'test://static-text', name: 'readme', description: 'The static text resource' }),
});

export const jsonSchema2020 = defineTool({
  name: 'json_schema_2020_12_tool',
  description: 'Takes a draft 2020-12 JSON Schema with $defs, $anchor, allOf/anyOf and if/then/else',
  input: {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    $defs: { address: { $anchor: 'address', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
    properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
    additionalProperties: false,
    // Composition and conditional keywords, which must reach the client verbatim (SEP-2106).
    allOf: [{ anyOf: [{ required: ['name'] }, { required: ['address'] }, { maxProperties: 0 }] }],
    if: { properties: { name: { const: 'with address' } }, required: ['name'] },
    then: { required: ['address'] },
    else: true,
  },
  handler: (args) => `Received: ${JSON.stringify(args)}`,
});
