/**
 * The YAML frontmatter of a `SKILL.md` (what stands between its leading `---` lines), or
 * undefined when it has none. Parsing it is the caller's: the YAML library loads only where needed.
 */
export function frontmatterText(markdown: string): string | undefined {
  return /^\uFEFF?---\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(markdown)?.[1];
}
