import OpenAI, { toFile } from 'openai';
import { VISION_SYSTEM_PROMPT } from '../domain/media.js';
import { lightFetch } from './http-request.js';
import { HttpStatusError, retryAfterMs } from './http-status-error.js';

export interface MediaFile {
  bytes: Buffer;
  mimetype: string;
  filename: string;
}

/** Reads media into text through any OpenAI-compatible server: audio transcriptions, and a vision-capable chat model. */
export interface MediaReader {
  transcribe(file: MediaFile): Promise<string>;
  describeImage(file: MediaFile, caption: string | null): Promise<string>;
}

export function createMediaReader(options: { apiKey: string; baseUrl: string | null; transcribeModel: string; visionModel: string; timeoutMs: number }): MediaReader {
  const client = new OpenAI({ apiKey: options.apiKey, ...(options.baseUrl ? { baseURL: options.baseUrl } : {}), maxRetries: 0, fetch: lightFetch, timeout: options.timeoutMs });
  const asHttpError = (error: unknown): never => {
    if (error instanceof OpenAI.APIError && typeof error.status === 'number') {
      throw new HttpStatusError('LLM', error.status, error.message, retryAfterMs(error.headers?.get('retry-after')));
    }
    throw error;
  };
  return {
    async transcribe(file) {
      const transcription = await client.audio.transcriptions
        .create({ model: options.transcribeModel, file: await toFile(file.bytes, file.filename, { type: file.mimetype }) })
        .catch(asHttpError);
      return transcription.text.trim();
    },
    async describeImage(file, caption) {
      const completion = await client.chat.completions
        .create({
          model: options.visionModel,
          messages: [
            { role: 'system', content: VISION_SYSTEM_PROMPT },
            {
              role: 'user',
              content: [
                ...(caption ? [{ type: 'text' as const, text: `Caption: ${caption}` }] : []),
                { type: 'image_url' as const, image_url: { url: `data:${file.mimetype};base64,${file.bytes.toString('base64')}` } },
              ],
            },
          ],
        })
        .catch(asHttpError);
      const text = completion.choices[0]?.message?.content?.trim();
      if (!text) throw new Error(`the model ${options.visionModel} described the image with no text`);
      return text;
    },
  };
}
