import type { ToolInfo } from '../client/operations.ts';
import { describeKind, toolFlags } from '../tool-args.ts';

/**
 * `mcp-call <tool> --help` (and `mcp-call prompt <name> --help`): the description and the
 * generated flags with types and defaults.
 */
export function formatToolHelp(tool: ToolInfo, kind: 'tool' | 'prompt' = 'tool'): string {
  const flags = toolFlags(tool.inputSchema);
  const lines = [`Usage: mcp-call ${kind === 'prompt' ? 'prompt ' : ''}${tool.name}${flags.length ? ' [flags]' : ''}`, ''];
  if (tool.title) lines.push(tool.title, '');
  if (tool.description) lines.push(tool.description.trim(), '');
  const task = taskSupport(tool);
  if (task === 'required') lines.push('Runs as a task: mcp-call shows its status while it runs and prints its result at the end.', '');
  if (task === 'optional') lines.push('Can run as a task: pass --task to see its status while it runs.', '');
  if (flags.length === 0) {
    lines.push(`This ${kind} takes no arguments.`);
  } else {
    lines.push('Flags:');
    const rows = flags.map((f) => {
      const names = [f.flag, f.alias].filter(Boolean).join(', ');
      const kind = f.kind === 'boolean' ? `(--no-${f.property} for false)` : `<${describeKind(f)}>`;
      const notes = [
        f.schema.description,
        f.required ? 'required' : undefined,
        f.schema.default !== undefined ? `default ${JSON.stringify(f.schema.default)}` : undefined,
      ].filter(Boolean);
      return [`  ${names} ${kind}`, notes.join('; ')] as const;
    });
    const width = columnWidth(rows.map(([left]) => left), 46);
    for (const [left, right] of rows) {
      if (!right) lines.push(left);
      // A signature too long for the column gets its notes on the next line, never run together.
      else if (left.length + 2 > width) lines.push(left, `${' '.repeat(width)}${right}`);
      else lines.push(`${left.padEnd(width)}${right}`);
    }
  }
  if (kind === 'tool') lines.push('', 'Or pass every argument at once: --args \'{json}\', --args @file.json, --args - (stdin).');
  return lines.join('\n');
}

/**
 * The width of a column of names: the longest, up to `most` (a longer one breaks the alignment
 * rather than padding every line). A loop, not a spread into Math.max, which overflows the stack
 * for a list of a few hundred thousand entries.
 */
export function columnWidth(names: Iterable<string>, most = 128): number {
  let widest = 0;
  for (const name of names) if (name.length > widest) widest = name.length;
  return Math.min(widest, most) + 2;
}

/** One line per tool: name and the first line of its description, aligned. */
export function formatToolList(tools: ToolInfo[]): string {
  const width = columnWidth(tools.map((t) => t.name));
  return tools
    .map((t) => {
      const task = taskSupport(t);
      return `${t.name.padEnd(width)}${task ? `[task ${task}] ` : ''}${titled(t.title, (t.description ?? '').split('\n')[0])}`.trimEnd();
    })
    .join('\n');
}

/** A listing's text: the human-readable title (when the server gives one) before the description. */
export function titled(title: string | undefined, description: string | undefined): string {
  return [title, description].filter(Boolean).join(' — ');
}

/** How a tool takes tasks, when it does. */
export function taskSupport(tool: ToolInfo): 'optional' | 'required' | undefined {
  const support = tool.execution?.taskSupport;
  return support === 'optional' || support === 'required' ? support : undefined;
}
