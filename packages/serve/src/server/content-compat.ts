import type { ContentPart } from '@mcp-cli/core';

/** The versions that came before a content type: a client that negotiated one of them rejects it. */
const RESOURCE_LINK_SINCE = '2025-06-18';
const AUDIO_SINCE = '2025-03-26';

/**
 * A content part as a client of `version` can take it: a `resource_link` (2025-06-18) becomes
 * text naming the link, and `audio` (2025-03-26) an embedded resource holding the same bytes.
 * Older SDK clients reject a whole result that holds a type their version lacks.
 */
export function contentFor(part: ContentPart, version: string, index: number): ContentPart {
  if (part.type === 'resource_link' && version < RESOURCE_LINK_SINCE) {
    const link = part as ContentPart & { uri: string; name?: string; description?: string };
    const about = link.description ? `: ${link.description}` : '';
    return { type: 'text', text: `Resource ${link.name ?? link.uri} at ${link.uri}${about}` };
  }
  if (part.type === 'audio' && version < AUDIO_SINCE) {
    const audio = part as ContentPart & { data: string; mimeType: string };
    return { type: 'resource', resource: { uri: `audio:attachment-${index + 1}`, mimeType: audio.mimeType, blob: audio.data } } as ContentPart;
  }
  return part;
}

/** True when a client of `version` has every content type: nothing needs converting for it. */
export function hasAllContentTypes(version: string): boolean {
  return version >= RESOURCE_LINK_SINCE;
}
