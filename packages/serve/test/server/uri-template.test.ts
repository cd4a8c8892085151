import { describe, expect, it } from 'vitest';

import { compileUriTemplate } from '../../src/server/uri-template.ts';

describe('compileUriTemplate', () => {
  it.each([
    ['test://template/{id}/data', 'test://template/123/data', { id: '123' }],
    ['hello://greeting/{name}', 'hello://greeting/Ada%20L', { name: 'Ada%20L' }],
    ['file:///{+path}', 'file:///a/b/c.txt', { path: 'a/b/c.txt' }],
    ['docs://{section}{#frag}', 'docs://intro#top', { section: 'intro', frag: 'top' }],
    ['img://{name}{.ext}', 'img://logo.png', { name: 'logo', ext: 'png' }],
    ['api://v1{/segment}', 'api://v1/users', { segment: 'users' }],
    ['search://q{?term,page}', 'search://q?term=mcp&page=2', { term: 'mcp', page: '2' }],
    ['list://{ids*}', 'list://1,2,3', { ids: '1,2,3' }],
  ])('%s matches %s', (template, uri, expected) => {
    expect(compileUriTemplate(template).match(uri)).toEqual(expected);
  });

  it('does not match what the template cannot produce', () => {
    const template = compileUriTemplate('test://template/{id}/data');
    expect(template.match('test://template/1/2/data')).toBeNull();
    expect(template.match('test://template/123/other')).toBeNull();
    expect(template.match(`test://template/${'x'.repeat(20_000)}/data`)).toBeNull();
    expect(template.variableNames).toEqual(['id']);
  });

  it('rejects malformed templates', () => {
    expect(() => compileUriTemplate('a://{}')).toThrow();
    expect(() => compileUriTemplate('a://{id')).toThrow(/unbalanced/);
    expect(() => compileUriTemplate('a://{i d}')).toThrow(/invalid variable/);
  });
});
