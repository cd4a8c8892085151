import { ExitCode, isLoopbackHost, McpCliError, readPackageVersion, UsageError } from '@mcp-cli/core';

import { CommanderError } from 'commander';

import { serveConfigSchema } from '../config/config-schema.ts';
import { formatIssues } from '../config/format-issues.ts';
import { configKeysAt, loadConfig } from '../config/load-config.ts';
import { type ConfigLayer, type ResolvedServeConfig, resolveConfig } from '../config/resolve-config.ts';
import { checkPortFree } from '../http/listen.ts';
import type { Logger } from '../logger.ts';
import { serveStdio, type StdioHandle } from '../serve-stdio.ts';
import type { Registry } from '../server/registry.ts';
import { startServer } from '../start-server.ts';
import { openStore } from '../store/open-store.ts';
import type { StateStore } from '../store/state-store.ts';
import { assembleServing, type Serving } from './assemble-serving.ts';
import { formatBanner } from './banner.ts';
import { createCliLogger, noPaint, type Paint } from './cli-logger.ts';
import { readEnvLayer } from './env-layer.ts';
import { createProgram, type ServeFlags, toServeFlags } from './program.ts';
import { reloadOnChange } from './reload-on-change.ts';
import { type ModuleWatch, watchModules } from './watch-modules.ts';

const SHUTDOWN_GRACE_MS = 5_000;

/**
 * Runs `mcp-serve` with the given argv until SIGINT/SIGTERM; resolves to the exit code. The only
 * catch-all of the server: known errors print one line, anything else is reported as a bug.
 */
export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = createProgram(readPackageVersion(import.meta.url));
  let flags: ServeFlags | undefined;
  try {
    try {
      program.parse(argv);
    } catch (error) {
      if (error instanceof CommanderError) return handleCommanderError(error, program.helpInformation());
      throw error;
    }
    flags = toServeFlags(program.opts(), program.args);
    return await serve(flags, env);
  } catch (error) {
    const json = (flags?.logFormat ?? (env.MCP_SERVE_LOG_FORMAT === 'json' ? 'json' : 'text')) === 'json';
    return reportError(error, flags?.debug ?? false, json);
  }
}

async function serve(flags: ServeFlags, env: NodeJS.ProcessEnv): Promise<number> {
  const paint = await choosePaint(env);
  const logger = createCliLogger({
    level: flags.logLevel ?? (env.MCP_SERVE_LOG_LEVEL as 'info' | undefined) ?? (flags.quiet ? 'warn' : 'info'),
    format: flags.logFormat ?? (env.MCP_SERVE_LOG_FORMAT === 'json' ? 'json' : 'text'),
    paint,
  });
  routeWarnings(logger);
  const cwd = process.cwd();
  checkLayer(flags.layer, 'command-line option');
  const envLayer = readEnvLayer(env);
  checkLayer(envLayer, 'MCP_SERVE_* environment variable');
  const loaded = await loadConfig({ cwd, explicitPath: flags.configPath ?? (env.MCP_SERVE_CONFIG || undefined) });
  const layers: ConfigLayer[] = [
    ...(loaded ? [{ config: loaded.config, baseDir: loaded.baseDir }] : []),
    { config: envLayer, baseDir: cwd },
    { config: flags.layer, baseDir: cwd },
  ];
  const config = await resolveConfig(layers);
  installCrashGuards(logger);
  // A port that cannot be bound fails before any upstream server is started (none to leave behind).
  if (!flags.stdio) await checkPortFree(config.host, config.port);
  // Upstream changes reach whichever server runs; set once it does.
  const running: { replaceRegistry?: (registry: Registry) => Promise<void> } = {};
  // Opened before the gateway, which keeps its servers' listings there (stdio keeps its own in memory).
  const store = flags.stdio ? undefined : await openStore(config.store, logger);
  const serving = await assembleServing(config, loaded, flags.upstreamCommand, logger, (next) => void running.replaceRegistry?.(next), { oneClient: flags.stdio, replay: flags.replay, store }).catch(async (error: unknown) => {
    await store?.close();
    throw error;
  });
  const { registry, source, gateway } = serving;
  if (flags.stdio) return serveOverStdio({ config, registry, logger, flags, loaded, layers, serving, running });
  const handle = await startServer({
    config,
    registry,
    logger,
    ...(store ? { store } : {}),
    ...(gateway ? { tasks: gateway.tasks, extension: (store: StateStore) => gateway.extension(store), health: () => ({ healthy: gateway.healthy(), upstreams: gateway.health() }), onSessionClose: (id: string) => gateway.sessionClosed(id), onClientNotification: (method: string, params: Record<string, unknown>, sessionId: string | undefined) => gateway.clientNotification(method, params, sessionId) } : {}),
  }).catch(async (error: unknown) => {
    // The port was taken meanwhile (or another start-up failure): the upstreams end with us.
    await gateway?.stop();
    await store?.close().catch(() => undefined);
    throw error;
  });
  running.replaceRegistry = (next) => handle.replaceRegistry(next);
  if (!flags.quiet && flags.logFormat !== 'json') {
    process.stderr.write(`${formatBanner({ handle, config, registry, source, paint })}\n`);
  }
  if (!isLoopbackHost(config.host) && config.tokens.length === 0) {
    logger.warn(
      `listening on ${config.host} without a token: anyone who can reach this port can call every tool. Set --token or MCP_SERVE_TOKEN.`,
    );
  }
  // The watch is ready before the ready line: an edit made as soon as it prints is seen.
  let watch: ModuleWatch | undefined;
  if (flags.watch) {
    watch = await watchModules({
      modules: config.modules,
      configFile: loaded?.filepath,
      onChange: reloadOnChange({ handle, config, configFile: loaded?.filepath, overrides: layers.slice(loaded ? 1 : 0), logger, watch: () => watch, rebuild: serving.rebuild }),
      logger,
    });
    await watch.ready;
  }
  if (flags.logFormat === 'json') logger.info('ready', { url: handle.url, mcp: handle.urls.mcp, sse: handle.urls.sse });
  else process.stderr.write(`${paint.green('ready')} ${handle.url}\n`);

  const signal = await waitForSignal();
  logger.info(`${signal}: shutting down`);
  await watch?.close();
  // The exit is bounded even when sessions do not close or a module left a timer running: the
  // process ends on its own once idle, and at the grace period at the latest.
  let closed = false;
  setTimeout(() => {
    if (!closed) logger.warn(`sessions still open after ${SHUTDOWN_GRACE_MS} ms: exiting anyway`);
    process.exit(ExitCode.ok);
  }, SHUTDOWN_GRACE_MS).unref();
  await handle.close();
  await gateway?.stop();
  closed = true;
  // Nothing of the server is left; a module's stray timer must not hold the exit.
  setTimeout(() => process.exit(), 100).unref();
  return ExitCode.ok;
}

/**
 * `--stdio`: one client on stdin and stdout, everything else on stderr. Ends when the client
 * closes stdin, or on SIGINT/SIGTERM.
 */
async function serveOverStdio(context: {
  config: ResolvedServeConfig;
  registry: Registry;
  logger: Logger;
  flags: ServeFlags;
  loaded: Awaited<ReturnType<typeof loadConfig>>;
  layers: ConfigLayer[];
  serving: Serving;
  running: { replaceRegistry?: (registry: Registry) => Promise<void> };
}): Promise<number> {
  const { config, registry, logger, flags, loaded, layers, serving } = context;
  // The watch is ready before the first message is read: an edit made right after is seen.
  const started: { handle?: StdioHandle } = {};
  let watch: ModuleWatch | undefined;
  if (flags.watch) {
    const target = { replaceRegistry: async (next: Registry) => started.handle?.replaceRegistry(next) };
    watch = await watchModules({
      modules: config.modules,
      configFile: loaded?.filepath,
      onChange: reloadOnChange({ handle: target, config, configFile: loaded?.filepath, overrides: layers.slice(loaded ? 1 : 0), logger, watch: () => watch, rebuild: serving.rebuild }),
      logger,
    });
    await watch.ready;
  }
  const gateway = serving.gateway;
  const handle = await serveStdio({ config, registry, logger, ...(gateway ? { tasks: gateway.tasks, extension: (store: StateStore) => gateway.extension(store), onClientNotification: (method: string, params: Record<string, unknown>, sessionId: string | undefined) => gateway.clientNotification(method, params, sessionId) } : {}) });
  started.handle = handle;
  context.running.replaceRegistry = (next) => handle.replaceRegistry(next);
  logger.info(`serving ${config.name} ${config.version} over stdio`, { source: serving.source, tools: registry.tools.size, resources: registry.resources.size + registry.templates.length, prompts: registry.prompts.size });
  const ended = await Promise.race([handle.done, waitForSignal()]);
  logger.info(`${ended}: shutting down`);
  await watch?.close();
  await handle.close();
  await serving.gateway?.stop();
  // Nothing of the server is left; a module's stray timer must not hold the exit.
  setTimeout(() => process.exit(), 100).unref();
  return ExitCode.ok;
}

function checkLayer(layer: object, source: string): void {
  const parsed = serveConfigSchema.safeParse(JSON.parse(JSON.stringify(layer)), { reportInput: true });
  if (!parsed.success) throw new UsageError(`Invalid ${source}: ${formatIssues(parsed.error.issues, configKeysAt)}`);
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      // A second signal during the graceful shutdown ends the process at once.
      process.once('SIGINT', () => process.exit(ExitCode.interrupted));
      process.once('SIGTERM', () => process.exit(ExitCode.ok));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

function installCrashGuards(logger: Logger): void {
  // A module's stray rejection or async throw must not take every other session down.
  process.on('unhandledRejection', (reason) => {
    logger.error('unhandled rejection in a module (server keeps running)', { error: describe(reason) });
  });
  process.on('uncaughtException', (error) => {
    if (isBrokenPipe(error)) return; // a closed stdout or stderr: nothing to report it on
    logger.error('uncaught exception in a module (server keeps running)', { error: describe(error) });
  });
}

/**
 * Process warnings go through the logger, one line each. Node's advice on loading an ES module
 * from a CommonJS package is dropped: the load error that follows says what to do.
 */
function routeWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (/To load an ES module/.test(warning.message)) return;
    // One line: Node's warnings wrap their text over several.
    logger.warn(`${warning.name}: ${warning.message.replace(/\s*\n\s*/g, ' ')}`);
  });
}

function isBrokenPipe(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

async function choosePaint(env: NodeJS.ProcessEnv): Promise<Paint> {
  if (!process.stderr.isTTY || env.NO_COLOR !== undefined || env.CI) return noPaint;
  const { default: chalk } = await import('chalk');
  return chalk;
}

function handleCommanderError(error: CommanderError, help: string): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
  if (error.code === 'commander.help') {
    process.stdout.write(help);
    return ExitCode.ok;
  }
  const message = error.message.replace(/^error: /, '');
  process.stderr.write(`mcp-serve: ${message} (see mcp-serve --help)\n`);
  return ExitCode.usage;
}

function reportError(error: unknown, debug: boolean, json: boolean): number {
  const known = error instanceof McpCliError;
  const message = known ? error.message : `unexpected error, please report it: ${describe(error)}`;
  const stack = error instanceof Error && (debug || !known) ? error.stack : undefined;
  if (json) {
    // With --log-format json, a fatal error is one JSON object too, as every other line.
    const code = known ? error.code : 'E_INTERNAL';
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'fatal', msg: message, code, ...(stack ? { stack } : {}) })}\n`);
  } else {
    process.stderr.write(`mcp-serve: ${message}\n`);
    if (stack) process.stderr.write(`${stack}\n`);
  }
  return known ? error.exitCode : ExitCode.internal;
}
