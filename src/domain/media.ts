/**
 * Media becomes text in memory: what a voice note said, what an image shows, what a document
 * is called. Only the text is stored; the file itself never reaches chatmem's databases.
 */
export type MediaKind = 'voice' | 'audio' | 'image' | 'video' | 'document' | 'sticker';

/** What the webhook knows of a message's media; the file is fetched later, by an activity. */
export interface MediaRef {
  kind: MediaKind;
  /** Where WAHA serves the file (null when WAHA did not download it). */
  url: string | null;
  mimetype: string | null;
  filename: string | null;
}

/** The kinds whose content is read (downloaded, then transcribed or described); the others are named. */
export const READ_KINDS: ReadonlySet<MediaKind> = new Set(['voice', 'audio', 'image']);

/**
 * The kind from the engine's own type (WEBJS `_data.type`: ptt, audio, image, sticker…) where
 * it says, otherwise from the mimetype.
 */
export function mediaKindOf(mimetype: string | null, engineType: string | null): MediaKind {
  const type = engineType?.toLowerCase() ?? '';
  if (type === 'ptt' || type === 'voice') return 'voice';
  if (type === 'sticker') return 'sticker';
  if (type === 'audio' || type === 'image' || type === 'video' || type === 'document') return type;
  const mime = mimetype?.toLowerCase() ?? '';
  // WhatsApp voice notes are Opus in Ogg; other audio is a shared file.
  if (mime.startsWith('audio/ogg')) return 'voice';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime === 'image/webp') return 'sticker';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  return 'document';
}

/** What was read from the file: a transcript, a description, or why nothing could be. */
export type MediaReading = { ok: true; text: string } | { ok: false; reason: string };

/**
 * The message as memory and the model see it: a marker for the kind, what was read from the
 * file, then the caption. `[voice] eu moro em Curitiba`; `[image: a chocolate cake] like this?`.
 */
export function mediaText(media: MediaRef, caption: string | null, reading: MediaReading | null): string {
  const label = media.kind === 'document' ? `document ${media.filename ?? 'without a name'} (${media.mimetype ?? 'unknown type'})` : media.kind;
  const spoken = media.kind === 'voice' || media.kind === 'audio';
  const head =
    reading === null ? `[${label}]` : !reading.ok ? `[${label}: could not be read (${reading.reason})]` : spoken ? `[${label}] ${reading.text.trim()}` : `[${label}: ${reading.text.trim()}]`;
  return caption ? `${head} ${caption}` : head;
}

/** Whether a stored text already says what its media was (so the prompt does not mark it again). */
export function isMediaText(text: string): boolean {
  return /^\[(voice|audio|image|video|document|sticker)\b/.test(text);
}

/** Marks the vision request, so the offline model knows to describe rather than reply. */
export const VISION_PROMPT_MARKER = '[chatmem:vision]';

export const VISION_SYSTEM_PROMPT = `${VISION_PROMPT_MARKER} Describe this WhatsApp image in one or two short sentences, for a chat assistant's memory: what it shows and any text in it. No preamble.`;
