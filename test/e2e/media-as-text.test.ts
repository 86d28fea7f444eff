import { describe, expect, it, vi } from 'vitest';
import { fixture } from '../support/fixtures.js';
import { WAIT_MS } from '../support/http.js';
import { useTestStack } from '../support/test-stack.js';

/**
 * Voice notes and images become text in memory: WAHA's file is downloaded (with the API key,
 * from WAHA_URL whatever host `media.url` names), transcribed or described through the
 * OpenAI API, and stored as text that later questions recall. The stand-ins are the offline
 * model's, which reads the text a file carries after `chatmem:text=`.
 */
const stack = useTestStack({ env: { TRANSCRIBE_MODEL: 'whisper-test', VISION_MODEL: 'vision-test' } });


async function storedUserLines(chat: string): Promise<string[]> {
  const rows = await stack.rows<{ content: string }>(
    "SELECT m.content FROM messages m JOIN sessions s ON s.id = m.session_id WHERE s.chat_id = $1 AND m.role = 'user' ORDER BY m.id",
    [chat],
  );
  return rows.map((row) => row.content);
}

/** The reply prompt the model got for the user message with this text. */
const promptFor = (text: string) => vi.waitUntil(() => stack.openai.replyPrompts().find((r) => r.messages.at(-1)?.content === text), WAIT_MS);

describe('media in memory', () => {
  it('stores a voice note as its transcript, learns from it, and a later question recalls it', async () => {
    const event = fixture('media-voice-note.json');
    const chat = event.payload.from;
    const spoken = 'meu aniversário é dia doze de março e eu adoro bolo de cenoura';
    stack.waha.serveMediaOf(event, spoken, 'OggS\0\x02');

    expect((await stack.post(event)).status).toBe(202);
    await vi.waitUntil(async () => (await storedUserLines(chat)).length === 1, WAIT_MS);
    expect(await storedUserLines(chat)).toEqual([`[voice] ${spoken}`]);
    expect(stack.openai.transcriptions).toEqual([expect.objectContaining({ model: 'whisper-test' })]);
    // What was said is embedded into long-term memory like typed text.
    await vi.waitUntil(() => stack.openai.embeddingRequests.some((request) => request.input.some((text) => text.includes(spoken))), WAIT_MS);

    await stack.say(chat, 'quando é meu aniversário?');
    const prompt = await promptFor('quando é meu aniversário?');
    expect(prompt.messages.map((m) => m.content).join('\n')).toContain(spoken);
  });

  it('stores an image as its description with the caption, and a later question recalls it', async () => {
    const event = fixture('media-image-caption.json');
    const chat = event.payload.from;
    const caption = event.payload.body;
    stack.waha.serveMediaOf(event, 'um bolo de chocolate com morangos e duas velas', '\xff\xd8\xff\xe0');

    expect((await stack.post(event)).status).toBe(202);
    await promptFor(`[image: um bolo de chocolate com morangos e duas velas] ${caption}`);
    expect(await storedUserLines(chat)).toEqual([`[image: um bolo de chocolate com morangos e duas velas] ${caption}`]);
    const vision = stack.openai.visionPrompts();
    expect(vision.map((r) => r.model)).toEqual(['vision-test']);
    expect(JSON.stringify(vision[0]!.messages)).toContain(`Caption: ${caption}`);

    await stack.say(chat, 'qual bolo eu mandei?');
    const prompt = await promptFor('qual bolo eu mandei?');
    expect(prompt.messages.map((m) => m.content).join('\n')).toContain('um bolo de chocolate com morangos');
  });

  it('stores a voice note whose file is gone with a placeholder that says so, and the chat goes on', async () => {
    const event = fixture('media-voice-note-webjs.json');
    const chat = event.payload.from;
    const before = stack.openai.transcriptions.length;
    // WAHA keeps downloaded files for minutes: this one is no longer served.
    expect((await stack.post(event)).status).toBe(202);
    await vi.waitUntil(async () => (await storedUserLines(chat)).length === 1, WAIT_MS);
    const [line] = await storedUserLines(chat);
    expect(line).toMatch(/^\[voice: could not be read \(.*404/);
    expect(stack.openai.transcriptions.length).toBe(before);

    await stack.say(chat, 'está aí?');
    await stack.replyTo('está aí?');
  });

  it('stores a shared location, contact and poll as the line that says what they share, and answers each', async () => {
    for (const name of ['location-shared.json', 'contact-card.json', 'poll-created.json']) {
      const event = fixture(name);
      expect((await stack.post(event)).status, name).toBe(202);
      const [line] = await vi.waitUntil(async () => {
        const rows = await stack.rows<{ content: string }>('SELECT content FROM messages WHERE waha_message_id = $1', [event.payload.id]);
        return rows.length ? rows.map((row) => row.content) : undefined;
      }, WAIT_MS);
      expect(line, name).toMatch(/^\[(location|contact|poll): /);
      // The model is asked about it as that line, and the answer is sent.
      await promptFor(line!);
      await stack.replyTo(line!);
    }
  });
});
