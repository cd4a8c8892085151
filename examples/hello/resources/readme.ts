import { defineResource, defineResourceTemplate } from 'mcp-serve';

/** A file-backed resource: the text of greeting.txt beside this module. */
export const greetingText = defineResource({
  uri: 'hello://greeting',
  name: 'greeting',
  description: 'The greeting this server uses',
  mimeType: 'text/plain',
  file: './greeting.txt',
});

/** A template: one greeting per name, e.g. hello://greeting/Ada. */
export const greetingFor = defineResourceTemplate({
  uriTemplate: 'hello://greeting/{name}',
  name: 'greeting-for',
  description: 'The greeting for one name',
  mimeType: 'text/plain',
  read: (_uri, { name }) => `Hello Hello, ${decodeURIComponent(name ?? 'world')}!`,
});
