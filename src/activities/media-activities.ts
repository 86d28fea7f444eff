import { ApplicationFailure } from '@temporalio/common';
import type { MediaReader } from '../clients/media-reader.js';
import type { WahaClient } from '../clients/waha-client.js';
import { describeError } from '../domain/describe-error.js';
import { PERMANENT_FAILURE } from '../domain/failure-types.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { safeText, truncateMessageText, WHATSAPP_MAX_TEXT_CHARS } from '../domain/safe-text.js';
import { READ_KINDS, type MediaReading, type MediaRef } from '../domain/media.js';
import { callOutside } from './outside-call.js';

export interface MediaDeps {
  waha: WahaClient;
  media: { reader: MediaReader; maxBytes: number };
}

/** Mimetypes each kind is read as: a file WAHA serves as something else is not sent to the model. */
const ACCEPTED: Partial<Record<MediaRef['kind'], RegExp>> = { voice: /^audio\//, audio: /^audio\//, image: /^image\// };

export function createMediaActivities({ waha, media }: MediaDeps) {
  async function read(message: InboundMessage, ref: MediaRef, url: string): Promise<MediaReading> {
    const file = await callOutside(() => waha.downloadMedia(url, media.maxBytes));
    const served = file.mimetype && file.mimetype !== 'application/octet-stream' ? file.mimetype : null;
    const mimetype = served ?? ref.mimetype ?? '';
    if (!ACCEPTED[ref.kind]?.test(mimetype)) return { ok: false, reason: `WAHA served ${mimetype || 'a file without a type'} for ${ref.kind === 'image' ? 'an image' : 'audio'}` };
    const named = { bytes: file.bytes, mimetype, filename: ref.filename ?? `${message.waId}.${mimetype.split('/')[1] ?? 'bin'}` };
    const text = ref.kind === 'image' ? await callOutside(() => media.reader.describeImage(named, message.body)) : await callOutside(() => media.reader.transcribe(named));
    // What a model answers is outside text: made safe for the database and cut like a typed message.
    const clean = truncateMessageText(safeText(text), WHATSAPP_MAX_TEXT_CHARS).trim();
    return clean ? { ok: true, text: clean } : { ok: false, reason: 'nothing was heard or seen in it' };
  }

  return {
    /**
     * A voice note's transcript or an image's description, from the file WAHA downloaded.
     * What can never work (no file, a file gone or too big, a wrong type, a refused request)
     * comes back at once as a failed reading with its reason; the caller retries the rest.
     */
    async readMedia(message: InboundMessage): Promise<MediaReading> {
      const ref = message.media;
      if (!ref || !READ_KINDS.has(ref.kind)) return { ok: false, reason: 'nothing to read' };
      if (!ref.url) return { ok: false, reason: 'WAHA did not download the file (media.url is empty)' };
      try {
        return await read(message, ref, ref.url);
      } catch (error) {
        if (error instanceof ApplicationFailure && error.type === PERMANENT_FAILURE) return { ok: false, reason: describeError(error) };
        throw error;
      }
    },
  };
}

export type MediaActivities = ReturnType<typeof createMediaActivities>;
