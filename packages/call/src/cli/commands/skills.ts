import { ConnectionError, ExitCode, frontmatterText, UsageError } from '@mcp-cli/core';

import { listAll } from '../../client/operations.ts';
import type { CommandContext } from '../session-runner.ts';
import { writeNone, writeOut } from '../terminal-text.ts';
import { columnWidth } from '../tool-help.ts';

/** A skill as `skills/list` gives it (the skills extension, SEP-2640). */
interface SkillEntry {
  uri: string;
  frontmatter?: Record<string, unknown>;
  resources?: { uri: string; digest: string; size: number }[] | 'dynamic';
}

const out = (text: string): void => writeOut(`${text}\n`);

/** `skills`: one line per skill the server serves: its name and description. */
export async function listSkillsCommand(context: CommandContext): Promise<number> {
  const skills = await listSkills(context);
  if (context.opts.json) {
    out(JSON.stringify(skills, null, 2));
    return ExitCode.ok;
  }
  const rows = skills.map((skill) => [nameOf(skill), String(skill.frontmatter?.description ?? '')] as const);
  const width = columnWidth(rows.map(([name]) => name));
  if (rows.length) out(rows.map(([name, description]) => `${name.padEnd(width)}${description}`).join('\n'));
  else writeNone('(no skills)');
  return ExitCode.ok;
}

/**
 * `skill NAME`: the skill's SKILL.md, printed only once its bytes match the digest and size the
 * listing gave and its frontmatter matches the listing's; a mismatch is refused (exit 3).
 */
export async function getSkillCommand(context: CommandContext, name: string): Promise<number> {
  const skills = await listSkills(context);
  const skill = skills.find((s) => nameOf(s) === name);
  if (!skill) throw new UsageError(`Unknown skill "${name}" (skills: ${skills.map(nameOf).join(', ') || 'none'})`, 'E_UNKNOWN_SKILL');
  const read = await context.connection.session.request('resources/read', { uri: skill.uri }, { signal: context.signal });
  const contents = (read.contents ?? []) as { uri?: string; text?: string; blob?: string }[];
  const first = contents[0];
  if (!first || (first.text === undefined && first.blob === undefined)) throw refused(name, 'the server sent no contents for its SKILL.md');
  const bytes = first.text !== undefined ? Buffer.from(first.text, 'utf8') : Buffer.from(first.blob!, 'base64');
  const listed = Array.isArray(skill.resources) ? skill.resources.find((r) => r.uri === skill.uri) : undefined;
  if (listed) {
    if (listed.size !== bytes.length) throw refused(name, `SKILL.md is ${bytes.length} bytes, the listing says ${listed.size}`);
    // node:crypto loads here, not on every start: it alone costs a plain call about 3 ms.
    const { createHash } = await import('node:crypto');
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (listed.digest !== digest) throw refused(name, `SKILL.md's digest is ${digest}, the listing says ${listed.digest}`);
  }
  const text = bytes.toString('utf8');
  const frontmatter = await readFrontmatter(text);
  if (!frontmatter) throw refused(name, 'SKILL.md has no YAML frontmatter');
  if (JSON.stringify(sortKeys(frontmatter)) !== JSON.stringify(sortKeys(skill.frontmatter ?? {}))) throw refused(name, "SKILL.md's frontmatter differs from the listing's");
  if (frontmatter.name !== name) throw refused(name, `its frontmatter names it "${String(frontmatter.name)}"`);
  if (context.opts.json) out(JSON.stringify({ ...skill, text }, null, 2));
  else writeOut(text.endsWith('\n') ? text : `${text}\n`);
  return ExitCode.ok;
}

async function listSkills(context: CommandContext): Promise<SkillEntry[]> {
  return listAll<SkillEntry>(context.connection, 'skills/list', 'skills', context.signal).catch((error: unknown) => {
    if ((error as { code?: unknown }).code === -32601) throw new ConnectionError('The server serves no skills (it does not answer skills/list)', 'E_NO_SKILLS');
    throw error;
  });
}

/** A skill's name: the segment before `/SKILL.md` in its URI, which the extension makes its frontmatter name. */
function nameOf(skill: SkillEntry): string {
  const match = /\/([^/]+)\/SKILL\.md$/.exec(skill.uri);
  return match?.[1] ?? String(skill.frontmatter?.name ?? skill.uri);
}

function refused(name: string, why: string): ConnectionError {
  return new ConnectionError(`Refused skill "${name}": ${why}`, 'E_SKILL_MISMATCH');
}

async function readFrontmatter(text: string): Promise<Record<string, unknown> | undefined> {
  const yaml = frontmatterText(text);
  if (yaml === undefined) return undefined;
  // Loaded only here: no other command reads YAML.
  const { parse } = await import('yaml');
  try {
    const value = parse(yaml) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The same value with object keys in one order, so two parses of one document compare equal. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]));
}
