import { closestNames, ExitCode, UsageError } from '@mcp-cli/core';
import { type Argument, Command, CommanderError, Help, type HelpConfiguration } from 'commander';

import { listTools } from '../client/operations.ts';
import { firstPositional, META_COMMANDS } from './argv.ts';
import { callTool } from './call-command.ts';
import { batchCommand } from './commands/batch.ts';
import { completionScript } from './commands/completion.ts';
import {
  completeCommand,
  getPromptCommand,
  infoCommand,
  listPromptsCommand,
  listResourcesCommand,
  listToolsCommand,
  pingCommand,
  printTools,
  readResourceCommand,
} from './commands/meta.ts';
import { getSkillCommand, listSkillsCommand } from './commands/skills.ts';
import { taskCommand } from './commands/task.ts';
import { watchCommand } from './commands/watch.ts';
import { resolveConnectionSettings } from './connection-settings.ts';
import { addGlobalOptions, collect, GLOBAL_FLAGS, type GlobalOptions } from './global-options.ts';
import { HELP_AFTER } from './help-text.ts';
import { loginDirectory } from './oauth/login-directory.ts';
import { aimedAt } from './server-argument.ts';
import { withConnection } from './session-runner.ts';
import { outputStream, writeErr } from './terminal-text.ts';
import { VERSION } from './version.ts';

/**
 * Help that fits an 80-column terminal: the options set the width of the term column, so one
 * long command usage (complete's) does not push every description past the edge unwrapped. A
 * command is listed with its arguments; its own --help lists its options.
 */
const FITTING_HELP: HelpConfiguration = {
  subcommandTerm: (cmd) => [cmd.name(), ...cmd.registeredArguments.map(argumentTerm)].join(' '),
  padWidth: (cmd, helper) => {
    const options = Math.max(helper.longestOptionTermLength(cmd, helper), helper.longestArgumentTermLength(cmd, helper));
    return Math.max(options, Math.min(helper.longestSubcommandTermLength(cmd, helper), options || Infinity));
  },
  // A term wider than the column gets a line of its own, its description below it.
  formatItem(term, termWidth, description, helper) {
    const item = (t: string): string => Help.prototype.formatItem.call(helper, t, termWidth, description, helper);
    return helper.displayWidth(term) > termWidth ? `  ${term}\n${item('')}` : item(term);
  },
};

function argumentTerm(argument: Argument): string {
  const name = `${argument.name()}${argument.variadic ? '...' : ''}`;
  return argument.required ? `<${name}>` : `[${name}]`;
}

/**
 * Everything but a plain tool call: the meta commands, help and version, parsed by commander.
 * Loaded only when the command line is not a plain call, so a call compiles none of it.
 */
export async function runProgram(args: string[], env: NodeJS.ProcessEnv, interrupt: AbortSignal): Promise<number> {
  const { args: cleaned, toolHelp } = extractToolHelp(args);
  let exitCode: number = ExitCode.ok;
  const program = addGlobalOptions(new Command('mcp-call'))
    .description('Call any MCP tool from a shell or a CI script.')
    .usage('[options] <tool> [--<arg> <value> ...]')
    .version(VERSION, '-V, --version')
    .argument('[tool]', 'the tool to call')
    .argument('[tool-args...]', 'tool flags generated from its input schema')
    .allowUnknownOption()
    .allowExcessArguments()
    .addHelpText('after', HELP_AFTER)
    .configureHelp(FITTING_HELP)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });

  const connected = (opts: GlobalOptions, fn: Parameters<typeof withConnection<number>>[3]) => withConnection(opts, env, interrupt, fn);

  const callAction = async (tokens: string[], opts: GlobalOptions): Promise<void> => {
    const [tool, ...rest] = tokens;
    if (!tool && !opts.tool) {
      outputStream(process.stderr).write(program.helpInformation());
      exitCode = ExitCode.usage;
      return;
    }
    exitCode = await callTool(tool, rest, opts, toolHelp, env, interrupt);
  };

  program.action(async (_tool: string | undefined, _rest: string[], opts: GlobalOptions) => {
    await callAction(program.args, opts);
  });

  const sub = (name: string, description: string): Command =>
    addGlobalOptions(program.command(name).description(description), { hidden: true })
      .allowExcessArguments(false)
      .addHelpText('after', '\nIt also takes every global option (--url, --server, --stdio, --token,\n--timeout, --json, …): see mcp-call --help.');
  const all = (cmd: Command): GlobalOptions => cmd.optsWithGlobals() as GlobalOptions;

  sub('servers', 'list the servers reachable by name: own config, then Claude, Cursor, VS Code, Windsurf, Gemini CLI, Codex').action(async (_o, cmd: Command) => {
    exitCode = await (await import('./commands/servers.ts')).serversCommand(all(cmd), env);
  });
  sub('tools', 'list tools (--json for schemas)')
    .option('--names', 'only the names, one per line')
    .option('--flags <tool>', "only that tool's flags, one per line")
    .option('--schema <tool>', "only that tool's input schema, as JSON, exactly as the server sent it")
    .option('--values <tool>', "with --flag: the values that flag of the tool takes, one per line (its enum's, or true and false)")
    .option('--flag <flag>', 'the flag for --values, as --color')
    .option('--cached', 'answer from a tools list at most 5 minutes old, kept per server (for shell completion)')
    .action(async (_o, cmd: Command) => {
      const { names, flags, schema, cached, values, flag } = cmd.opts<{ names?: boolean; flags?: string; schema?: string; cached?: boolean; values?: string; flag?: string }>();
      if ((values === undefined) !== (flag === undefined)) throw new UsageError('--values TOOL and --flag FLAG go together: mcp-call tools --values TOOL --flag --name', 'E_INVALID_OPTION');
      const opts = all(cmd);
      const view = { names: names === true, ...(flags === undefined ? {} : { flags }), ...(schema === undefined ? {} : { schema }), ...(values === undefined || flag === undefined ? {} : { values: { tool: values, flag } }) };
      if (!cached) {
        exitCode = await withConnection(opts, env, interrupt, (c) => listToolsCommand(c, view), { prefetch: ['tools/list'] });
        return;
      }
      const { cachedTools } = await import('./tools-cache.ts');
      // Shell completion runs no config code and starts no server: a stdio server's tools come
      // only from the list its last `mcp-call tools` kept.
      const settings = await resolveConnectionSettings(opts, env, undefined, { forCompletion: true });
      const fetchTools = settings.stdio ? undefined : () => withConnection(opts, env, interrupt, (c) => listTools(c.connection, c.signal));
      printTools(await cachedTools(settings, env, fetchTools), view, opts.json === true);
    });
  sub('resources', 'list resources and templates').action(async (_o, cmd: Command) => {
    exitCode = await connected(all(cmd), listResourcesCommand);
  });
  sub('read', 'read a resource').argument('<uri>').action(async (uri: string, _o, cmd: Command) => {
    exitCode = await connected(all(cmd), (c) => readResourceCommand(c, uri));
  });
  sub('prompts', 'list prompts').action(async (_o, cmd: Command) => {
    exitCode = await connected(all(cmd), listPromptsCommand);
  });
  sub('prompt', 'get a prompt; its arguments as flags')
    .argument('<name>')
    .argument('[args...]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (name: string, rest: string[], _o, cmd: Command) => {
      exitCode = await connected(all(cmd), (c) => getPromptCommand(c, name, rest, toolHelp));
    });
  sub('complete', "the server's suggestions for a prompt argument or a resource template variable")
    .argument('<kind>', 'prompt or resource')
    .argument('<name>', 'the prompt name, or the resource URI template')
    .argument('<argument>', 'the argument (or template variable) to complete')
    .argument('[value]', 'what is typed so far', '')
    .option('--context <name=value>', 'an argument already chosen (repeatable)', collect, [])
    .action(async (kind: string, name: string, argument: string, value: string, _o, cmd: Command) => {
      exitCode = await connected(all(cmd), (c) => completeCommand(c, kind, name, argument, value, (cmd.opts().context as string[]) ?? []));
    });
  sub('skills', "list the server's skills (the skills extension)").action(async (_o, cmd: Command) => {
    exitCode = await connected(all(cmd), listSkillsCommand);
  });
  sub('skill', "print a skill's SKILL.md once its digest, size and frontmatter match the listing")
    .argument('<name>')
    .action(async (name: string, _o, cmd: Command) => {
      exitCode = await connected(all(cmd), (c) => getSkillCommand(c, name));
    });
  sub('task', 'a task by id: get (its state), result (wait and print), cancel; or list (2025-11-25 servers)')
    .argument('<action>', 'get, result, cancel or list')
    .argument('[task-id]')
    .action(async (action: string, taskId: string | undefined, _o, cmd: Command) => {
      exitCode = await connected(all(cmd), (c) => taskCommand(c, action, taskId));
    });
  sub('secrets', 'your secrets at an mcp-serve gateway: set SERVER NAME (value on stdin, or typed unseen), delete SERVER NAME, list')
    .argument('<action>', 'set, delete or list')
    .argument('[server]')
    .argument('[name]')
    .action(async (action: string, server: string | undefined, name: string | undefined, _o, cmd: Command) => {
      const { secretsCommand } = await import('./commands/secrets.ts');
      exitCode = await connected(all(cmd), (c) => secretsCommand(c, action, server, name));
    });
  sub('ping', 'check that the server answers').action(async (_o, cmd: Command) => {
    exitCode = await connected(all(cmd), pingCommand);
  });
  sub('info', 'server name, version, protocol and capabilities').action(async (_o, cmd: Command) => {
    exitCode = await connected(all(cmd), infoCommand);
  });
  sub('batch', 'JSON lines of {"tool","args"} in, JSON result lines out')
    .argument('[file]', 'file of JSON lines, or - for stdin (default)')
    .action(async (file: string | undefined, _o, cmd: Command) => {
      exitCode = await connected(all(cmd), (c) => batchCommand(c, file));
    });
  sub('watch', 'print a resource on every change until Ctrl-C')
    .argument('<uri>')
    .action(async (uri: string, _o, cmd: Command) => {
      exitCode = await connected(all(cmd), (c) => watchCommand(c, uri, interrupt));
    });
  sub('login', 'log in to an OAuth-protected server in the browser now (or with --client-credentials), and keep its tokens')
    .option('--device', 'log in with a code entered on any device (OAuth device grant, RFC 8628): for SSH and CI')
    .option('--no-browser', 'print the login address, and take the address the browser ends on pasted on stdin (SSH, CI)')
    .action(async (options: { browser?: boolean; device?: boolean }, cmd: Command) => {
      exitCode = await (await import('./commands/auth.ts')).loginCommand(all(cmd), env, loginDirectory(env), interrupt, { noBrowser: options.browser === false, device: options.device === true });
    });
  sub('logout', "forget a server's OAuth tokens and registration").action(async (_o, cmd: Command) => {
    exitCode = await (await import('./commands/auth.ts')).logoutCommand(all(cmd), env, loginDirectory(env));
  });
  sub('auth', 'auth status: the servers mcp-call is logged in to (never the tokens)')
    .argument('<action>', 'status')
    .action(async (action: string, _o, cmd: Command) => {
      if (action !== 'status') throw new UsageError(`Unknown auth action "${action}": use mcp-call auth status (or login, logout)`, 'E_INVALID_OPTION');
      exitCode = await (await import('./commands/auth.ts')).authStatusCommand(all(cmd), loginDirectory(env));
    });
  sub('trust', "use a project directory's config files (they can run commands and send your tokens)")
    .argument('[dir]', 'the directory (default: the working directory)')
    .option('--list', 'list the trusted directories')
    .option('--remove', 'take the trust back')
    .action(async (dir: string | undefined, options: { list?: boolean; remove?: boolean }) => {
      exitCode = await (await import('./commands/trust.ts')).trustCommand(dir, options, env);
    });
  // [server]: a URL, or a server's name from the configs, as --url or --server would give it.
  const onServer = (opts: GlobalOptions, server: string | undefined, fn: Parameters<typeof withConnection<number>>[3], prefetch?: string[]) => {
    const aimed = aimedAt(opts, server);
    return withConnection(aimed.opts, env, interrupt, fn, { positionalUrl: aimed.positionalUrl, ...(prefetch ? { prefetch } : {}) });
  };
  sub('snapshot', "the server's surface (tools, prompts, resources, capabilities) as stable JSON: > mcp.lock.json")
    .argument('[server]', 'a URL or a configured server name (default: --url, --server, --stdio)')
    .action(async (server: string | undefined, _o, cmd: Command) => {
      const { snapshotCommand } = await import('./commands/contract.ts');
      exitCode = await onServer(all(cmd), server, snapshotCommand, ['tools/list']);
    });
  sub('diff', 'compare the server with a snapshot; exit 1 on a breaking change')
    .argument('<lock-file>', 'a file written by mcp-call snapshot')
    .argument('[server]', 'a URL or a configured server name (default: --url, --server, --stdio)')
    .option('--fail-on <changes>', 'breaking, or any: exit 1 on any change', 'breaking')
    .action(async (file: string, server: string | undefined, options: { failOn: string }, cmd: Command) => {
      const { checkFailOn, diffCommand, readSnapshotFile } = await import('./commands/contract.ts');
      const failOn = checkFailOn(options.failOn);
      const expected = await readSnapshotFile(file);
      exitCode = await onServer(all(cmd), server, (c) => diffCommand(c, expected, failOn), ['tools/list']);
    });
  sub('test', 'run the cases of test files (YAML or JSON lines); exit 1 if any fails')
    .argument('<files...>', 'test files: .yaml, .yml, .jsonl or .json')
    .option('--jobs <n>', 'cases run at once on each server', '1')
    .option('--junit <file>', 'also write the results as JUnit XML (GitHub Actions, GitLab)')
    .action(async (files: string[], options: { jobs: string; junit?: string }, cmd: Command) => {
      exitCode = await (await import('./commands/test-file.ts')).testCommand(files, options, all(cmd), env, interrupt);
    });
  sub('stop', 'stop the warm servers of --keep-alive: all of them, or the one of SERVER')
    .argument('[server]', 'a URL or a configured server name (or --url, --server, --stdio)')
    .action(async (server: string | undefined, _o, cmd: Command) => {
      exitCode = await (await import('./commands/stop.ts')).stopCommand(server, all(cmd), env);
    });
  sub('completion', 'print a shell completion script')
    .argument('<shell>', 'bash, zsh or fish')
    .action((shell: string) => {
      outputStream(process.stdout).write(completionScript(shell, [...META_COMMANDS].filter((c) => c !== 'help'), Object.keys(GLOBAL_FLAGS).filter((f) => f.startsWith('--'))));
    });
  sub('call', 'call a tool, even one named like a meta command')
    .argument('<tool>')
    .argument('[tool-args...]')
    .allowUnknownOption()
    .allowExcessArguments()
    .action(async (_tool: string, _rest: string[], _o, cmd: Command) => {
      await callAction(cmd.args, all(cmd));
    });

  try {
    await program.parseAsync(cleaned, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return commanderExit(error);
    throw error;
  }
  return exitCode;
}

/**
 * Finds `--help`/`-h` after a tool name (not a meta command) and turns it into tool help, which
 * needs the server; before the tool name it stays the global help.
 */
function extractToolHelp(args: string[]): { args: string[]; toolHelp: boolean } {
  const toolIndex = firstPositional(args);
  if (toolIndex === -1) return { args, toolHelp: false };
  const first = args[toolIndex]!;
  const tail = args.slice(toolIndex + 1);
  const inTail = (t: string): boolean => t === '--help' || t === '-h';
  const end = tail.indexOf('--');
  const helpAt = tail.findIndex((t, i) => inTail(t) && (end === -1 || i < end));
  if (helpAt === -1) return { args, toolHelp: false };
  // `prompt NAME --help` is the prompt's own help; `prompt --help` stays commander's.
  const promptHelp = first === 'prompt' && tail[0] !== undefined && !tail[0].startsWith('-');
  // `call --help` is the call command's own help; `call TOOL --help` is the tool's.
  const callHelp = first === 'call' && tail[0] !== undefined && !tail[0].startsWith('-');
  if (META_COMMANDS.has(first) && !(first === 'call' && callHelp) && !promptHelp) return { args, toolHelp: false };
  const kept = [...args.slice(0, toolIndex + 1), ...tail.filter((_, i) => i !== helpAt)];
  return { args: kept, toolHelp: true };
}

function commanderExit(error: CommanderError): number {
  if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
    return ExitCode.ok;
  }
  // A mistyped flag or command gets the closest ones (commander says so only now and then).
  const typed = /'([^']+)'/.exec(error.message)?.[1];
  const known = error.code === 'commander.unknownOption' ? Object.keys(GLOBAL_FLAGS) : error.code === 'commander.unknownCommand' ? [...META_COMMANDS] : [];
  const hint = typed && known.length ? closestNames(typed, known) : [];
  const message = error.message.replace(/^error: /, '').split('\n')[0]!;
  writeErr(`mcp-call: ${message}${hint.length ? `; did you mean ${hint.join(', ')}?` : ''} (see mcp-call --help)\n`);
  return ExitCode.usage;
}
