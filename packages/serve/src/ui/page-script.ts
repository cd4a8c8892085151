/**
 * The status page's script, run in the browser. It speaks MCP to the server's own endpoint with
 * the token the user gives (kept in sessionStorage for the tab), reads `/status` for upstreams
 * and counters, and builds every node with textContent: nothing a module or upstream wrote is
 * ever parsed as HTML.
 */
/** Where the page keeps its token in sessionStorage (the login's hand-off writes it there too). */
export const TOKEN_KEY = 'mcp-serve-token';

export const PAGE_SCRIPT = String.raw`(() => {
  'use strict';
  const root = document.documentElement;
  const MCP = root.dataset.mcp;
  const STATUS = root.dataset.status;
  const KEY = ${JSON.stringify(TOKEN_KEY)};
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(KEY) || '';
  let sessionId = null;
  let nextId = 1;
  let upstreamsSeen = '';

  class AuthNeeded extends Error {}

  const el = (tag, attrs, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) if (child !== undefined && child !== null) node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
    return node;
  };
  const text = (value, limit) => (typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value)).slice(0, limit || 20000);
  const authHeaders = (extra) => Object.assign(token ? { authorization: 'Bearer ' + token } : {}, extra || {});

  async function refusal(res) {
    let message = 'HTTP ' + res.status;
    try { message = (await res.json()).error.message || message; } catch (_) { /* not JSON */ }
    return res.status === 401 || res.status === 403 ? new AuthNeeded(message) : new Error(message);
  }

  async function rpc(method, params, isNotification, retried) {
    const message = isNotification ? { jsonrpc: '2.0', method, params } : { jsonrpc: '2.0', id: nextId++, method, params };
    const headers = authHeaders({ 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' });
    if (sessionId) headers['mcp-session-id'] = sessionId;
    const res = await fetch(MCP, { method: 'POST', headers, body: JSON.stringify(message), cache: 'no-store' });
    if (res.status === 404 && sessionId && method !== 'initialize' && !retried) {
      await connect();
      return rpc(method, params, isNotification, true);
    }
    if (!res.ok && res.status !== 202) throw await refusal(res);
    const id = res.headers.get('mcp-session-id');
    if (id) sessionId = id;
    if (isNotification) return undefined;
    const body = await res.text();
    let answer;
    if ((res.headers.get('content-type') || '').includes('text/event-stream')) {
      for (const event of body.split(/\r?\n\r?\n/)) {
        const data = event.split(/\r?\n/).filter((line) => line.startsWith('data:')).map((line) => line.slice(5).replace(/^ /, '')).join('\n');
        if (!data) continue;
        try {
          const parsed = JSON.parse(data);
          if (parsed.id === message.id && (parsed.result || parsed.error)) answer = parsed;
        } catch (_) { /* a comment or a partial event */ }
      }
    } else {
      answer = JSON.parse(body);
    }
    if (!answer) throw new Error('the server sent no answer to ' + method);
    if (answer.error) throw new Error(answer.error.message || 'error ' + answer.error.code);
    return answer.result;
  }

  async function connect() {
    sessionId = null;
    const result = await rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcp-serve-status-page', version: '1' } });
    await rpc('notifications/initialized', {}, true);
    return result;
  }

  async function listAll(method, key) {
    const items = [];
    let cursor;
    for (let page = 0; page < 50; page++) {
      const result = await rpc(method, cursor ? { cursor } : {});
      items.push(...(Array.isArray(result[key]) ? result[key] : []));
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return items;
  }

  function field(name, schema, required) {
    const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
    const id = 'f-' + Math.random().toString(36).slice(2);
    let input;
    if (Array.isArray(schema.enum)) {
      input = el('select', { id, name }, required ? null : el('option', { value: '' }, ''), ...schema.enum.map((choice) => el('option', { value: JSON.stringify(choice) }, text(choice, 200))));
      input.dataset.kind = 'enum';
    } else if (type === 'boolean') {
      input = el('input', { id, name, type: 'checkbox', checked: schema.default === true });
      input.dataset.kind = 'boolean';
    } else if (type === 'number' || type === 'integer') {
      input = el('input', { id, name, type: 'number', step: type === 'integer' ? '1' : 'any', value: typeof schema.default === 'number' ? schema.default : undefined });
      input.dataset.kind = 'number';
    } else if (type === 'string') {
      input = el('input', { id, name, type: 'text', value: typeof schema.default === 'string' ? schema.default : undefined });
      input.dataset.kind = 'string';
    } else {
      input = el('textarea', { id, name, rows: 3, placeholder: 'JSON' });
      input.dataset.kind = 'json';
    }
    if (required) input.dataset.required = 'true';
    return el('div', { class: 'field' }, el('label', { for: id }, name, el('span', { class: 'type' }, ' ' + (type || 'json') + (required ? ' (required)' : ''))), input, schema.description ? el('small', {}, text(schema.description, 2000)) : null);
  }

  function argumentsOf(form) {
    const args = {};
    for (const input of form.querySelectorAll('[data-kind]')) {
      const kind = input.dataset.kind;
      if (kind === 'boolean') { args[input.name] = input.checked; continue; }
      if (input.value === '') {
        if (input.dataset.required) throw new Error(input.name + ' is required');
        continue;
      }
      if (kind === 'number') args[input.name] = Number(input.value);
      else if (kind === 'string') args[input.name] = input.value;
      else {
        try { args[input.name] = JSON.parse(input.value); } catch (_) { throw new Error(input.name + ' is not valid JSON'); }
      }
    }
    return args;
  }

  function showResult(output, result) {
    output.replaceChildren();
    output.classList.toggle('error', result.isError === true);
    for (const part of Array.isArray(result.content) ? result.content : []) {
      if (part.type === 'text') output.append(el('pre', { class: 'text' }, text(part.text, 200000)));
      else if (part.type === 'image' && /^image\/(png|jpeg|gif|webp)$/.test(part.mimeType || '') && typeof part.data === 'string') output.append(el('img', { alt: 'image result', src: 'data:' + part.mimeType + ';base64,' + part.data }));
      else output.append(el('pre', {}, text(part, 200000)));
    }
    if (result.structuredContent !== undefined) output.append(el('pre', { class: 'structured' }, JSON.stringify(result.structuredContent, null, 2).slice(0, 200000)));
  }

  function toolCard(tool) {
    const schema = tool.inputSchema && typeof tool.inputSchema === 'object' ? tool.inputSchema : {};
    const properties = schema.properties && typeof schema.properties === 'object' ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required : [];
    const output = el('div', { class: 'result', 'aria-live': 'polite' });
    const form = el('form', { class: 'call' }, ...Object.entries(properties).slice(0, 100).map(([name, property]) => field(name, property && typeof property === 'object' ? property : {}, required.includes(name))), el('button', { type: 'submit' }, 'Call ' + text(tool.name, 200)));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      output.classList.remove('error');
      output.replaceChildren(el('p', { class: 'muted' }, 'calling…'));
      try {
        showResult(output, await rpc('tools/call', { name: tool.name, arguments: argumentsOf(form) }));
      } catch (error) {
        output.classList.add('error');
        output.replaceChildren(el('p', {}, error.message));
        if (error instanceof AuthNeeded) askForToken(error.message);
      }
    });
    return el('details', { class: 'tool', 'data-tool': text(tool.name, 200) },
      el('summary', {}, el('code', {}, text(tool.name, 200)), tool.title ? ' ' + text(tool.title, 200) : ''),
      el('p', { class: 'description' }, text(tool.description, 5000)),
      form, output,
      el('details', { class: 'schema' }, el('summary', {}, 'Input schema'), el('pre', {}, JSON.stringify(schema, null, 2).slice(0, 50000))));
  }

  function listSection(id, items, describe) {
    const target = $(id);
    target.replaceChildren(...(items.length === 0 ? [el('p', { class: 'muted' }, 'none')] : items.map(describe)));
  }

  async function loadLists(capabilities) {
    const tools = capabilities.tools ? await listAll('tools/list', 'tools') : [];
    $('tool-count').textContent = String(tools.length);
    listSection('tools', tools, toolCard);
    const prompts = capabilities.prompts ? await listAll('prompts/list', 'prompts') : [];
    listSection('prompts', prompts, (prompt) => el('div', { class: 'item' }, el('code', {}, text(prompt.name, 200)), ' ', text(prompt.description, 5000),
      Array.isArray(prompt.arguments) && prompt.arguments.length > 0 ? el('ul', {}, ...prompt.arguments.slice(0, 100).map((arg) => el('li', {}, el('code', {}, text(arg.name, 200)), arg.required ? ' (required) ' : ' ', text(arg.description, 2000)))) : null));
    const resources = capabilities.resources ? await listAll('resources/list', 'resources') : [];
    const templates = capabilities.resources ? await listAll('resources/templates/list', 'resourceTemplates') : [];
    listSection('resources', [...resources, ...templates], (resource) => el('div', { class: 'item' }, el('code', {}, text(resource.uri || resource.uriTemplate, 500)), ' ', text(resource.name, 200), resource.mimeType ? ' (' + text(resource.mimeType, 100) + ')' : '', resource.description ? el('p', {}, text(resource.description, 5000)) : null));
  }

  const ms = (seconds) => (seconds === undefined || seconds === null ? '–' : (seconds * 1000).toFixed(seconds < 0.01 ? 2 : 0) + ' ms');

  function showStatus(status) {
    const upstreams = Object.entries(status.upstreams || {});
    $('upstreams-section').hidden = upstreams.length === 0;
    $('upstreams').replaceChildren(...upstreams.map(([name, upstream]) => el('tr', { 'data-upstream': name }, el('td', {}, el('code', {}, name)), el('td', { class: 'state state-' + text(upstream.state, 20) }, text(upstream.state, 20)), el('td', {}, String(upstream.restarts || 0)), el('td', {}, text(upstream.error, 500)))));
    if (status.counters === null) {
      $('counters-note').textContent = 'Start mcp-serve with --metrics to see calls, errors and latency here.';
      $('counters').replaceChildren();
    } else {
      $('counters-note').textContent = status.counters.length === 0 ? 'No calls yet.' : '';
      $('counters').replaceChildren(...status.counters.map((row) => el('tr', { 'data-counter': row.method + ' ' + row.name }, el('td', {}, row.method), el('td', {}, el('code', {}, row.name)), el('td', { class: 'calls' }, String(row.calls)), el('td', { class: 'errors' }, String(row.errors)), el('td', {}, ms(row.p50)), el('td', {}, ms(row.p99)))));
    }
    const seen = JSON.stringify(upstreams.map(([name, upstream]) => [name, upstream.state]));
    const changed = seen !== upstreamsSeen;
    upstreamsSeen = seen;
    return changed;
  }

  function askForToken(message) {
    $('login').hidden = false;
    // Under OAuth the server logs the browser in itself (ui/login), and hands the token back here.
    if (root.dataset.login) {
      $('oauth-login').href = root.dataset.login;
      $('oauth').hidden = false;
    }
    $('login-message').textContent = message || 'This server needs a token.';
    $('token').focus();
  }

  let capabilities = {};
  let timer;
  async function start() {
    try {
      const status = await statusNow();
      $('login').hidden = true;
      const init = await connect();
      capabilities = init.capabilities || {};
      $('name').textContent = text(init.serverInfo && (init.serverInfo.title || init.serverInfo.name), 200) || status.name;
      $('version').textContent = text(init.serverInfo && init.serverInfo.version, 100);
      $('instructions').textContent = text(init.instructions, 5000);
      showStatus(status);
      await loadLists(capabilities);
      $('main').hidden = false;
      timer = timer || setInterval(poll, 1000);
    } catch (error) {
      if (error instanceof AuthNeeded) askForToken(error.message);
      else $('problem').textContent = 'Could not reach the server: ' + error.message;
    }
  }

  async function statusNow() {
    const res = await fetch(STATUS, { headers: authHeaders(), cache: 'no-store' });
    if (!res.ok) throw await refusal(res);
    return res.json();
  }

  let polling = false;
  async function poll() {
    if (polling) return;
    polling = true;
    try {
      // An upstream that went or came back changes the tools: listed again then.
      if (showStatus(await statusNow())) await loadLists(capabilities);
      $('problem').textContent = '';
    } catch (error) {
      // An expired token asks for a new one (or a new login); the page stays as it was meanwhile.
      if (error instanceof AuthNeeded) askForToken(error.message);
      else $('problem').textContent = 'The server did not answer: ' + error.message;
    } finally {
      polling = false;
    }
  }

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem(KEY, token);
    $('token').value = '';
    start();
  });
  start();
})();
`;
