import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';

import { ConfigError, frontmatterText } from '@mcp-cli/core';
import { parse as parseYaml } from 'yaml';

/** The skills extension (SEP-2640), as capabilities name it. */
export const SKILLS_EXTENSION = 'io.modelcontextprotocol/skills';
/** The mime type of a directory in `resources/directory/read`. */
export const DIRECTORY_MIME_TYPE = 'inode/directory';
/** What one skill may hold, as the extension bounds it. */
const MAX_FILES_PER_SKILL = 512;
const MAX_SKILL_BYTES = 16 * 1024 * 1024;
/** What all skills together may hold: they are kept in memory, so what is served is what was digested. */
const MAX_CATALOG_BYTES = 64 * 1024 * 1024;
/** A skill name: lower-case letters, digits and single hyphens, 1 to 64 characters. */
const SKILL_NAME = /^(?!.*--)[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?$/;

const MIME_TYPES: Record<string, string> = {
  '.md': 'text/markdown',
  '.txt': 'text/plain',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.py': 'text/x-python',
  '.sh': 'text/x-shellscript',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/typescript',
  '.html': 'text/html',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.xml': 'application/xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.pdf': 'application/pdf',
};

/** One file of a skill, with the digest and size clients check it against. */
export interface SkillFile {
  uri: string;
  name: string;
  mimeType: string;
  size: number;
  digest: string;
  bytes: Buffer;
}

/** One skill: its SKILL.md's URI and frontmatter, and every file it holds. */
export interface Skill {
  name: string;
  uri: string;
  frontmatter: Record<string, unknown>;
  files: SkillFile[];
}

/** The skills a server serves, and its files and directories by URI. */
export interface SkillCatalog {
  skills: Skill[];
  files: ReadonlyMap<string, SkillFile>;
  /** Each directory's direct children, for `resources/directory/read`. */
  directories: ReadonlyMap<string, { uri: string; name: string; mimeType: string }[]>;
}

/**
 * Loads the skills of a folder: each subfolder holding a `SKILL.md` whose YAML frontmatter names
 * it (`name`, equal to the folder's name) and describes it (`description`) is a skill, served
 * under `skill://<name>/…` with every file's SHA-256 digest and size. Files are read once, here.
 *
 * @throws ConfigError naming the skill and what is wrong with it.
 */
export async function loadSkills(folder: string): Promise<SkillCatalog> {
  const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(`skills: cannot read the folder ${folder} (${error.code ?? error.message})`, 'E_CONFIG_INVALID');
  });
  const skills: Skill[] = [];
  const files = new Map<string, SkillFile>();
  const directories = new Map<string, { uri: string; name: string; mimeType: string }[]>();
  let total = 0;
  for (const entry of entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).sort(byName)) {
    const root = join(folder, entry.name);
    const manifest = await readFile(join(root, 'SKILL.md'), 'utf8').catch(() => undefined);
    if (manifest === undefined) continue;
    const fail = (why: string): never => {
      throw new ConfigError(`skills: ${root}: ${why}`, 'E_CONFIG_INVALID');
    };
    if (!SKILL_NAME.test(entry.name)) fail('the folder name must be 1-64 lower-case letters, digits and single hyphens (it is the skill name)');
    const frontmatter = readFrontmatter(manifest, fail);
    if (frontmatter.name !== entry.name) fail(`the frontmatter name "${String(frontmatter.name)}" must equal the folder name "${entry.name}"`);
    const skill: Skill = { name: entry.name, uri: `skill://${entry.name}/SKILL.md`, frontmatter, files: [] };
    await walk(root, `skill://${entry.name}`, skill, directories, fail);
    const bytes = skill.files.reduce((sum, file) => sum + file.size, 0);
    if (skill.files.length > MAX_FILES_PER_SKILL) fail(`holds ${skill.files.length} files; a skill may hold at most ${MAX_FILES_PER_SKILL}`);
    if (bytes > MAX_SKILL_BYTES) fail(`holds ${bytes} bytes; a skill may hold at most ${MAX_SKILL_BYTES}`);
    total += bytes;
    if (total > MAX_CATALOG_BYTES) fail(`the skills together exceed ${MAX_CATALOG_BYTES} bytes, all that is kept in memory`);
    for (const file of skill.files) files.set(file.uri, file);
    skills.push(skill);
  }
  return { skills, files, directories };
}

/** A skill's entry as `skills/list` and `skills/get` give it. */
export function skillEntry(skill: Skill): Record<string, unknown> {
  return { uri: skill.uri, frontmatter: skill.frontmatter, resources: skill.files.map(({ uri, digest, size }) => ({ uri, digest, size })) };
}

/** A file's contents for `resources/read`: text for text types, else base64. */
export function skillFileContents(file: SkillFile): Record<string, unknown> {
  const isText = file.mimeType.startsWith('text/') || /json|yaml|xml|svg/.test(file.mimeType);
  return isText ? { uri: file.uri, mimeType: file.mimeType, text: file.bytes.toString('utf8') } : { uri: file.uri, mimeType: file.mimeType, blob: file.bytes.toString('base64') };
}

/** Code-point order: the same listing on every machine, whatever its locale. */
function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function readFrontmatter(manifest: string, fail: (why: string) => never): Record<string, unknown> {
  const yaml = frontmatterText(manifest);
  if (yaml === undefined) return fail('SKILL.md must begin with YAML frontmatter between --- lines');
  let frontmatter: unknown;
  try {
    frontmatter = parseYaml(yaml);
  } catch (error) {
    return fail(`SKILL.md frontmatter is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof frontmatter !== 'object' || frontmatter === null || Array.isArray(frontmatter)) return fail('SKILL.md frontmatter must be a YAML mapping');
  const fields = frontmatter as Record<string, unknown>;
  if (typeof fields.description !== 'string' || !fields.description.trim()) fail('SKILL.md frontmatter needs a non-empty "description"');
  return fields;
}

/** Adds a directory's files (regular files only: links are not followed out of the skill). */
async function walk(dir: string, uri: string, skill: Skill, directories: Map<string, { uri: string; name: string; mimeType: string }[]>, fail: (why: string) => never, depth = 0): Promise<void> {
  if (depth > 16) fail(`nests folders deeper than 16 levels at ${dir}`);
  const children: { uri: string; name: string; mimeType: string }[] = [];
  directories.set(uri, children);
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort(byName)) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    const childUri = `${uri}/${encodeURIComponent(entry.name)}`;
    if (entry.isDirectory()) {
      children.push({ uri: childUri, name: entry.name, mimeType: DIRECTORY_MIME_TYPE });
      await walk(path, childUri, skill, directories, fail, depth + 1);
      continue;
    }
    if (!entry.isFile() || (await lstat(path)).isSymbolicLink()) continue;
    if (skill.files.length >= MAX_FILES_PER_SKILL) fail(`holds more than ${MAX_FILES_PER_SKILL} files`);
    const bytes = await readFile(path);
    const mimeType = MIME_TYPES[extname(entry.name).toLowerCase()] ?? 'application/octet-stream';
    skill.files.push({ uri: childUri, name: entry.name, mimeType, size: bytes.length, digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`, bytes });
    children.push({ uri: childUri, name: entry.name, mimeType });
  }
}
