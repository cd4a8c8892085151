import { RpcError } from './json-rpc.ts';
import { signalGroup } from './process-group.ts';

/** How elicitation requests are answered. */
export type ElicitMode = 'decline' | 'defaults' | 'prompt';

/** Options of {@link createServerRequestHandler}. */
export interface ServerRequestOptions {
  elicit: ElicitMode;
  /** True when the user chose the mode with --elicit (else it follows from having a terminal). */
  elicitChosen?: boolean;
  /** Asks the person at the terminal (for `prompt`); returns the content or undefined to decline. */
  askUser?: (message: string, schema: ElicitSchema, signal: AbortSignal) => Promise<Record<string, unknown> | undefined>;
  /** Offers the person at the terminal to open a URL (for `prompt`); true when they agreed. */
  openUrl?: (message: string, url: string, signal: AbortSignal) => Promise<boolean>;
  /** A shell command that reads a sampling request as JSON on stdin and prints the reply. */
  samplingCommand?: string;
  /** Told what was declined or refused, and which flag would answer it. */
  onDecline?: (note: string) => void;
  /** The client's roots (`--root DIR`): declared, and listed when the server asks. */
  roots?: { uri: string; name: string }[];
}

/** Most bytes read from --sampling-command's output. */
const MAX_SAMPLING_OUTPUT = 16 * 1024 * 1024;

/** The requested schema of an elicitation. */
export interface ElicitSchema {
  type: 'object';
  properties: Record<string, { type?: string; default?: unknown; enum?: unknown[]; description?: string; title?: string; items?: { enum?: unknown[]; anyOf?: { const: unknown }[] }; oneOf?: { const: unknown }[] }>;
  required?: string[];
}

/** The capabilities mcp-call declares for the given options. */
export function clientCapabilities(options: ServerRequestOptions): Record<string, unknown> {
  return {
    elicitation: { form: { applyDefaults: true }, url: {}, applyDefaults: true },
    ...(options.samplingCommand ? { sampling: {} } : {}),
    ...(options.roots && options.roots.length > 0 ? { roots: {} } : {}),
  };
}

/** Answers server requests: elicitation by mode, sampling through the command, roots from --root. */
export function createServerRequestHandler(options: ServerRequestOptions) {
  return async (method: string, params: Record<string, unknown>, signal: AbortSignal = new AbortController().signal): Promise<Record<string, unknown>> => {
    switch (method) {
      case 'elicitation/create':
        return elicit(params, options, signal);
      case 'sampling/createMessage':
        if (!options.samplingCommand) {
          options.onDecline?.('refused the server\'s request to sample a model: pass --sampling-command CMD to answer it');
          throw new RpcError(-32601, 'mcp-call does not sample without --sampling-command CMD');
        }
        return runSamplingCommand(options.samplingCommand, params, signal);
      case 'roots/list':
        return { roots: options.roots ?? [] };
      default:
        throw new RpcError(-32601, `Method not found: ${method}`);
    }
  };
}

async function elicit(params: Record<string, unknown>, options: ServerRequestOptions, signal: AbortSignal): Promise<Record<string, unknown>> {
  const schema = params.requestedSchema as ElicitSchema | undefined;
  const question = `the server's question "${String(params.message ?? '').slice(0, 200)}"`;
  const decline = (why: string): Record<string, unknown> => {
    options.onDecline?.(`declined ${question}: ${why}`);
    return { action: 'decline' };
  };
  if (params.mode === 'url') return elicitUrl(params, options, signal, decline);
  if (!schema) return decline('it has no requested schema');
  if (options.elicit === 'decline') return decline(options.elicitChosen ? 'as --elicit decline asks' : 'no terminal to ask on (--elicit defaults accepts its defaults; --elicit prompt asks at a terminal)');
  if (options.elicit === 'defaults') {
    const content = schemaDefaults(schema);
    const missing = (schema.required ?? []).filter((key) => content[key] === undefined);
    if (missing.length > 0) return decline(`required ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length > 1 ? 'have' : 'has'} no default (--elicit prompt asks at a terminal)`);
    return { action: 'accept', content };
  }
  const content = await options.askUser?.(String(params.message ?? ''), schema, signal);
  return content ? { action: 'accept', content } : { action: 'decline' };
}

/**
 * A URL-mode elicitation: only an http(s) URL, and only with the consent of the person at the
 * terminal, is opened; without a terminal it is declined, with the URL in the note.
 */
async function elicitUrl(params: Record<string, unknown>, options: ServerRequestOptions, signal: AbortSignal, decline: (why: string) => Record<string, unknown>): Promise<Record<string, unknown>> {
  let url: URL | undefined;
  try {
    url = new URL(String(params.url ?? ''));
  } catch {
    // not a URL
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return decline(`its URL is not an http(s) URL: ${String(params.url ?? '').slice(0, 200)}`);
  if (options.elicit !== 'prompt' || !options.openUrl) return decline(`it asks you to open ${url.href}, ${options.elicitChosen ? `and --elicit ${options.elicit} does not open URLs` : 'and there is no terminal to ask on (--elicit prompt asks at one)'}`);
  return { action: (await options.openUrl(String(params.message ?? ''), url.href, signal)) ? 'accept' : 'decline' };
}

/** The defaults a requested schema declares, keyed by property. */
export function schemaDefaults(schema: ElicitSchema): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default !== undefined) content[key] = prop.default;
  }
  return content;
}

async function runSamplingCommand(command: string, params: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    // Its own process group, so what the shell starts is ended with it.
    const child = spawn(command, { shell: true, stdio: ['pipe', 'pipe', 'inherit'], detached: process.platform !== 'win32' });
    const stop = (): void => signalGroup(child, 'SIGTERM');
    process.once('exit', stop); // never left running after mcp-call
    // The server withdrew its request: the command is ended, its answer no longer wanted.
    signal.addEventListener('abort', stop, { once: true });
    let out = '';
    let tooLarge = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.length <= MAX_SAMPLING_OUTPUT) return;
      tooLarge = true;
      child.kill();
    });
    // A command that exits without reading its input closes the pipe: that is not an error here.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => reject(new RpcError(-32603, `--sampling-command failed to start: ${error.message}`)));
    child.on('close', (code) => {
      process.off('exit', stop);
      signal.removeEventListener('abort', stop);
      if (signal.aborted) return reject(new RpcError(-32603, 'the server cancelled its sampling request'));
      if (tooLarge) return reject(new RpcError(-32603, `--sampling-command printed more than ${MAX_SAMPLING_OUTPUT} bytes`));
      if (code !== 0) return reject(new RpcError(-32603, `--sampling-command exited with code ${code}`));
      let reply: unknown;
      try {
        reply = JSON.parse(out);
      } catch {
        // not JSON: plain text
      }
      if (typeof reply === 'object' && reply !== null && !Array.isArray(reply)) {
        const fields = reply as Record<string, unknown>;
        resolve(typeof fields.model === 'string' ? fields : { role: 'assistant', model: 'sampling-command', ...fields });
      } else {
        // A plain-text reply (or a bare JSON number or string) is taken as the assistant's text.
        resolve({ role: 'assistant', model: 'sampling-command', content: { type: 'text', text: out.trim() } });
      }
    });
    child.stdin.end(JSON.stringify(params));
  });
}
