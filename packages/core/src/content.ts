/** Optional annotations on a content part (audience, priority). */
export interface ContentAnnotations {
  audience?: ('user' | 'assistant')[];
  priority?: number;
}

/** Plain text. */
export interface TextContent {
  type: 'text';
  text: string;
  annotations?: ContentAnnotations;
}

/** A base64 image. */
export interface ImageContent {
  type: 'image';
  data: string;
  mimeType: string;
  annotations?: ContentAnnotations;
}

/** A base64 audio clip. */
export interface AudioContent {
  type: 'audio';
  data: string;
  mimeType: string;
  annotations?: ContentAnnotations;
}

/** The contents of one resource, as text or as a base64 blob. */
export type ResourceContents =
  | { uri: string; mimeType?: string; text: string; _meta?: Record<string, unknown> }
  | { uri: string; mimeType?: string; blob: string; _meta?: Record<string, unknown> };

/** A resource embedded in a result. */
export interface EmbeddedResource {
  type: 'resource';
  resource: ResourceContents;
  annotations?: ContentAnnotations;
}

/** A link to a resource the client may read later. */
export interface ResourceLink {
  type: 'resource_link';
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: ContentAnnotations;
}

/** Any part of a tool result. */
export type ContentPart =
  | TextContent
  | ImageContent
  | AudioContent
  | EmbeddedResource
  | ResourceLink;

/** The content types a part may have. */
export const CONTENT_TYPES: ReadonlySet<string> = new Set([
  'text',
  'image',
  'audio',
  'resource',
  'resource_link',
]);

/** The result of `tools/call` as the protocol defines it. */
export interface CallToolResult {
  content: ContentPart[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** True when `value` looks like one content part (an object with a known `type`). */
export function isContentPart(value: unknown): value is ContentPart {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    CONTENT_TYPES.has((value as { type: string }).type)
  );
}
