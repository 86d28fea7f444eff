/**
 * Records the workflow histories that CI replays (test/replay/replay.test.ts): real runs on
 * a Temporal dev server, exported in the SDK's JSON format. Run again after a deliberate,
 * versioned change to the workflow:  npm run replay:record [-- <name> ...]
 * With names, only those histories are recorded: histories from before a patch() stay, so CI
 * keeps proving that runs started on the older code still replay.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { chatWorkflowId } from '../src/domain/chat-workflow-id.js';
import { createTemporalSignaler } from '../src/webhook/chat-signaler.js';
import { eraseUpdate, retryUnansweredUpdate } from '../src/workflows/chat-workflow.js';
import { OFFLINE_MEDIA_TEXT_MARKER } from '../src/offline/offline-model.js';
import { editOf, revokeOf, variant } from '../test/support/fixtures.js';
import { bundleWithoutLateResultsFirst, replays } from '../test/support/histories.js';
import { eventually } from '../test/support/http.js';
import { messageOf } from '../test/support/inbound.js';
import { ensurePostgresRunning } from '../test/support/postgres.js';
import { sayWhileLearningStalls } from '../test/support/learning-stall.js';
import { floodWhileQuerying } from '../test/support/queried-flood.js';
import { startStack } from '../test/support/stack.js';
import { resolveTemporalCli } from '../src/embedded/temporal-cli.js';

const OUT = fileURLToPath(new URL('../test/replay/histories/', import.meta.url));

await ensurePostgresRunning();
const stack = await startStack({
  temporalCli: resolveTemporalCli(),
  env: { DEBOUNCE_MS: '800', TAKEOVER_PAUSE: '1h', SUMMARY_TOKEN_LIMIT: '400', REPLY_DEADLINE: '6s' },
});
let sequence = 0;
type RecordingStack = typeof stack;
const say = (chat: string, body: string, on: RecordingStack = stack) => on.post(variant('private-text-incoming.json', { chat, waId: `REC${sequence++}`, body }));

/** Says one message after another until the chat continues as new; returns the run that did. */
async function talkUntilContinuedAsNew(chat: string, body: (i: number) => string, on: RecordingStack = stack): Promise<string> {
  const handle = on.client.workflow.getHandle(chatWorkflowId('default', chat));
  let firstRun: string | undefined;
  for (let i = 0; ; i++) {
    await say(chat, body(i), on);
    await on.replyTo(body(i));
    firstRun ??= (await handle.describe()).runId;
    if ((await handle.describe()).runId !== firstRun) return firstRun;
    if (i > 100) throw new Error('no continue-as-new');
  }
}

const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);

/** A stack of its own, with these settings, for one recording. */
async function withStack(env: Record<string, string>, record: (on: RecordingStack) => Promise<void>): Promise<void> {
  const on = await startStack({ temporalCli: resolveTemporalCli(), env });
  try {
    await record(on);
  } finally {
    await on.stop();
  }
}

async function save(name: string, chat: string, runId?: string, on: RecordingStack = stack) {
  await on.idle(chat);
  const history = await on.client.workflow.getHandle(chatWorkflowId('default', chat), runId).fetchHistory();
  await writeFile(`${OUT}${name}.json`, historyToJSON(history));
  console.log(`${name}: ${history.events?.length} events`);
}

try {
  // A plain chat: a question, its reply and the echo.
  if (wanted('plain-chat')) {
    const plain = '5521950000001@c.us';
    await say(plain, 'bom dia, vocês têm pão de queijo?');
    await stack.replyTo('bom dia, vocês têm pão de queijo?');
    await save('plain-chat', plain);
  }

  if (wanted('continued-as-new') || wanted('after-continue-as-new')) {
    // A chat long enough to be summarized: the run that continued as new, and the one after.
    const long = '5521950000002@c.us';
    const firstRun = await talkUntilContinuedAsNew(long, (i) => `mensagem ${i}: meu nome é Carla e quero saber do pedido número ${i}`);
    await save('continued-as-new', long, firstRun);
    await say(long, 'e o pedido chega hoje?');
    await stack.replyTo('e o pedido chega hoje?');
    await save('after-continue-as-new', long);
  }

  if (wanted('debounced-burst')) {
    // A debounced burst: three messages, one reply.
    const burst = '5521950000003@c.us';
    await Promise.all(['oi', 'quero um bolo', 'para sábado'].map((body) => say(burst, body)));
    await eventually(() => stack.waha.sent.some((call) => call.chatId === burst), 'debounced reply');
    await save('debounced-burst', burst);
  }

  if (wanted('human-takeover')) {
    // A takeover: a human types on the bot's phone; the next user message is stored, not answered.
    const takeover = '5521950000004@c.us';
    await say(takeover, 'olá');
    await stack.replyTo('olá');
    await stack.post(variant('private-fromme-app.json', { chat: takeover, waId: `REC${sequence++}`, body: 'Aqui é a Lúcia, eu te atendo.' }));
    await say(takeover, 'obrigada, Lúcia');
    await eventually(async () => (await stack.chatState('default', takeover)).messagesSeen === 3 || undefined, 'takeover stored');
    await save('human-takeover', takeover);
  }

  // An operator erases a chat (chatmem erase): the chat's last interaction shows as a search
  // attribute (patched in later), the erase update runs between messages, and the chat
  // continues as new from nothing; this is the run that did it.
  if (wanted('erased-chat')) {
    const erased = '5521950000005@c.us';
    await say(erased, 'meu nome é Rita e moro em Niterói');
    await stack.replyTo('meu nome é Rita e moro em Niterói');
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', erased));
    const { runId } = await handle.describe();
    await handle.executeUpdate(eraseUpdate, { args: [{ contactId: null }] });
    await eventually(async () => (await handle.describe()).runId !== runId || undefined, 'the erased chat to continue as new');
    await save('erased-chat', erased, runId);
  }

  // A message the database refuses for good (NUL in its text, handed to the workflow past the
  // webhook's guard): it is counted as rejected, and the next message is answered.
  if (wanted('rejected-message')) {
    const rejected = '5521950000006@c.us';
    const message = messageOf(variant('private-text-incoming.json', { chat: rejected, waId: `REC${sequence++}`, body: 'placeholder' }));
    await createTemporalSignaler(stack.client, { taskQueue: stack.config.temporal.taskQueue }).deliver({ ...message, body: 'nul \u0000 inside' });
    await say(rejected, 'ainda estão aí?');
    await stack.replyTo('ainda estão aí?');
    await save('rejected-message', rejected);
  }

  // The one-task shape (patched 'one-task-reply'): each message stored and answered inside
  // the workflow task it woke, a debounced burst answered once, learning in batches, and the
  // run that continued as new from a summary.
  if (wanted('one-task-reply')) {
    const chat = '5521950000007@c.us';
    await say(chat, 'meu nome é Joana e moro em Belém');
    await stack.replyTo('meu nome é Joana e moro em Belém');
    await Promise.all(['quero uma torta', 'de limão', 'para amanhã'].map((body) => say(chat, body)));
    await eventually(() => stack.waha.sent.filter((call) => call.chatId === chat).length === 2, 'the reply to the burst');
    await save('one-task-reply', chat);
  }
  if (wanted('one-task-continued-as-new')) {
    const chat = '5521950000008@c.us';
    const firstRun = await talkUntilContinuedAsNew(chat, (i) => `pedido ${i}: meu nome é Davi e quero saber da entrega número ${i}`);
    await save('one-task-continued-as-new', chat, firstRun);
  }

  // The debounce that sleeps to the end of the window (patched 'debounce-by-sleep'): a burst
  // of three messages, one reply, and a later message answered on its own.
  if (wanted('debounce-by-sleep')) {
    const chat = '5521950000010@c.us';
    await Promise.all(['boa tarde', 'queria um café', 'e um pão de queijo'].map((body) => say(chat, body)));
    await eventually(() => stack.waha.sent.filter((call) => call.chatId === chat).length === 1, 'the reply to the burst');
    await say(chat, 'obrigado');
    await stack.replyTo('obrigado');
    await save('debounce-by-sleep', chat);
  }

  // REPLY_DEADLINE (patched 'reply-deadline'): the model is down past the deadline, so the
  // message is kept as unanswered; a refused request is too; then `chatmem retry` answers both.
  if (wanted('unanswered-and-retried')) {
    const chat = '5521950000009@c.us';
    const handle = stack.client.workflow.getHandle(chatWorkflowId('default', chat));
    stack.openai.down(503);
    await say(chat, 'alguém aí?');
    await eventually(async () => (await stack.chatState('default', chat)).unanswered === 1 || undefined, 'the message given up on', 60_000);
    stack.openai.up();
    stack.openai.failNext(400);
    await say(chat, 'pergunta recusada');
    await eventually(async () => (await stack.chatState('default', chat)).unanswered === 2 || undefined, 'the refused message');
    await handle.executeUpdate(retryUnansweredUpdate);
    // One reply to both, composed from the transcript as it stands (ending with the later question).
    await stack.replyTo('pergunta recusada');
    await save('unanswered-and-retried', chat);
  }

  // Media as text (patched 'media-as-text'): a voice note transcribed and an image described
  // (readMedia activities) before they are stored, then a voice note whose file is gone.
  if (wanted('media-as-text')) {
    const chat = '5521950000011@c.us';
    const media = (waId: string, kind: 'voice' | 'image', served: boolean) => {
      const event = variant('media-voice-note.json', { chat, waId });
      const mimetype = kind === 'voice' ? 'audio/ogg' : 'image/jpeg';
      event.payload.media = { url: `http://localhost:3000/api/files/default/${waId}.bin`, mimetype, filename: null };
      if (kind === 'image') event.payload._data.Message = { imageMessage: { mimetype } };
      if (served) stack.waha.serveFile(`/api/files/default/${waId}.bin`, Buffer.from(`${OFFLINE_MEDIA_TEXT_MARKER}${kind === 'voice' ? 'eu moro em Curitiba' : 'um bolo de cenoura'}`), mimetype);
      return event;
    };
    await stack.post(media('RECVOICE1', 'voice', true));
    await stack.replyTo('[voice] eu moro em Curitiba');
    await stack.post(media('RECIMAGE1', 'image', true));
    await stack.replyTo('[image: um bolo de cenoura]');
    await stack.post(media('RECVOICE2', 'voice', false));
    await eventually(() => stack.waha.sent.filter((call) => call.chatId === chat).length === 3, 'the reply to the unread voice note');
    await save('media-as-text', chat);
  }

  // A reply longer than MAX_MESSAGE_CHARS, sent as two messages (one local activity), each
  // remembered so that both echoes are dropped.
  if (wanted('split-reply')) {
    const chat = '5521950000012@c.us';
    const paragraph = (n: number) => `Parte ${n}: ${'pão de queijo, café coado e bolo de fubá todos os dias. '.repeat(12).trim()}`;
    stack.openai.replyWith((lastUser) => lastUser.includes('me manda o cardápio'), [1, 2, 3].map(paragraph).join('\n\n'));
    await say(chat, 'me manda o cardápio');
    await eventually(() => stack.waha.sent.filter((call) => call.chatId === chat).length === 2, 'both messages of the split reply');
    await eventually(async () => (await stack.chatState('default', chat)).duplicatesDropped === 2 || undefined, 'both echoes dropped');
    await save('split-reply', chat);
  }

  // An edit and a deletion (patched 'message-changes'): recorded in the transcript in order
  // with the chat's messages, then unlearned and learned again (applyMessageChanges).
  if (wanted('edited-and-deleted')) {
    const chat = '5521950000013@c.us';
    const told = variant('private-text-incoming.json', { chat, waId: 'RECTOLD1', body: 'meu nome é Rita e minha cor favorita é azul' });
    await stack.post(told);
    await stack.replyTo('meu nome é Rita e minha cor favorita é azul');
    await stack.post(editOf(told, 'meu nome é Rita e minha cor favorita é verde'));
    await say(chat, 'qual é a minha cor favorita?');
    await stack.replyTo('qual é a minha cor favorita?');
    await stack.post(revokeOf(told));
    await eventually(async () => (await stack.deps.ltm.store.count('longterm_memory', { chatId: chat })) === 1 || undefined, 'the deleted message forgotten');
    await save('edited-and-deleted', chat);
  }

  // Storing and answering in one local activity (patched 'store-and-reply'), the shape of a
  // chat without a debounce window: two messages answered so; one whose first try meets a
  // model that fails (its storing read again, then the reply step after a backoff); then one
  // the model refuses, kept as unanswered without asking again.
  if (wanted('store-and-reply')) {
    await withStack({ DEBOUNCE_MS: '0' }, async (quick) => {
      // Fact extraction calls the model too: the failure must meet the reply.
      const learned = (chat: string) => quick.learned(chat);
      const chat = '5521950000014@c.us';
      for (const body of ['bom dia, tem bolo de milho?', 'e de fubá?']) {
        await say(chat, body, quick);
        await quick.replyTo(body);
      }
      await learned(chat);
      quick.openai.failNext(503);
      await say(chat, 'tem café também?', quick);
      await quick.replyTo('tem café também?');
      await learned(chat);
      quick.openai.failNext(400);
      await say(chat, 'pergunta recusada', quick);
      await eventually(async () => (await quick.chatState('default', chat)).unanswered === 1 || undefined, 'the refused message kept as unanswered');
      await save('store-and-reply', chat, undefined, quick);
    });
  }

  // Messages that queued behind a busy reply, answered in turn in one step (patched
  // 'answers-in-turn'): the first reply is held at the model while three more arrive; the
  // step answers the first of them, the model fails the second (stored again, answered by the
  // reply step after a backoff), and the third goes back to the queue and is answered alone.
  if (wanted('answers-in-turn')) {
    await withStack({ DEBOUNCE_MS: '0', LEARNING_PAUSE: '10m' }, async (quick) => {
      const chat = '5521950000017@c.us';
      const asked = ['pedido um', 'pedido dois', 'pedido três', 'pedido quatro'];
      const gate = quick.openai.hold((lastUser) => lastUser.includes(asked[0]!));
      quick.openai.failWhen((lastUser) => lastUser.includes(asked[2]!), 503);
      await say(chat, asked[0]!, quick);
      await eventually(() => quick.openai.replyPrompts().length > 0 || undefined, 'the first reply at the model');
      for (const body of asked.slice(1)) await say(chat, body, quick);
      gate.release();
      for (const body of asked) await quick.replyTo(body);
      await save('answers-in-turn', chat, undefined, quick);
    });
  }

  // Learning after a pause, in one step (patched 'learning-after-a-pause'): two messages
  // answered one after the other within LEARNING_PAUSE are learned together by one
  // learnFromBatch once its timer fires; then the chat talks on until it continues as new from
  // a summary, learning what waits at once instead of after the pause.
  if (wanted('learning-after-a-pause')) {
    await withStack({ DEBOUNCE_MS: '0', LEARNING_PAUSE: '5s', SUMMARY_TOKEN_LIMIT: '400' }, async (paced) => {
      const chat = '5521950000015@c.us';
      for (const body of ['meu nome é Lia', 'e moro em Natal']) {
        await say(chat, body, paced);
        await paced.replyTo(body);
      }
      await paced.learned(chat);
      const firstRun = await talkUntilContinuedAsNew(chat, (i) => `pedido ${i}: quero saber da entrega número ${i} para a Lia em Natal`, paced);
      await save('learning-after-a-pause', chat, firstRun, paced);
    });
  }

  // Continue-as-new with messages still to learn (patched 'learning-carried-over'): the run
  // hands them to the next one instead of learning them first; the next run learns them at
  // once while it answers.
  if (wanted('learning-carried-over') || wanted('learning-carried-in')) {
    await withStack({ DEBOUNCE_MS: '0', LEARNING_PAUSE: '10m', SUMMARY_TOKEN_LIMIT: '400' }, async (carrying) => {
      const chat = '5521950000016@c.us';
      await say(chat, 'meu nome é Caio e moro em Manaus', carrying);
      await carrying.replyTo('meu nome é Caio e moro em Manaus');
      const firstRun = await talkUntilContinuedAsNew(chat, (i) => `pedido ${i}: quero saber da entrega número ${i} para o Caio`, carrying);
      await say(chat, 'e chega hoje?', carrying);
      await carrying.replyTo('e chega hoje?');
      await eventually(async () => (await carrying.deps.ltm.store.count('longterm_memory', { chatId: chat })) > 1 || undefined, 'the carried messages learned');
      await save('learning-carried-over', chat, firstRun, carrying);
      await save('learning-carried-in', chat, undefined, carrying);
    });
  }
  // The learning pause counted from the oldest waiting message (patched
  // 'learning-pause-from-oldest'): a message said while the batch before it stalled past a
  // pause is learned as that batch ends, with no second pause.
  if (wanted('learning-pause-from-oldest')) {
    await withStack({ DEBOUNCE_MS: '0', LEARNING_PAUSE: '2s' }, async (stalled) => {
      const chat = '5521950000017@c.us';
      await sayWhileLearningStalls(stalled, chat, ['meu nome é Téo', 'moro em Belém'], 2500);
      await stalled.learned(chat);
      await save('learning-pause-from-oldest', chat, undefined, stalled);
    });
  }

  // Every patch of 2026-12-07 at once (one marker, 'all-patches-of-2026-12-07'): a chat answered
  // at once, learning after a short pause, talking until it continues as new from a summary.
  if (wanted('all-patches-at-once')) {
    await withStack({ DEBOUNCE_MS: '0', LEARNING_PAUSE: '1s', SUMMARY_TOKEN_LIMIT: '400' }, async (current) => {
      const chat = '5521950000018@c.us';
      const firstRun = await talkUntilContinuedAsNew(chat, (i) => `pedido ${i}: meu nome é Íris e quero saber da entrega número ${i}`, current);
      await save('all-patches-at-once', chat, firstRun, current);
    });
  }

  // A chat started eagerly by the webhook beside the worker: its first message and the
  // operator's settings in the run's input, no settings step; the next message a signal.
  if (wanted('first-message-in-start')) {
    await withStack({ DEBOUNCE_MS: '0', LEARNING_PAUSE: '1s' }, async (eager) => {
      const chat = '5521950000019@c.us';
      for (const body of ['oi, meu nome é Lia', 'vocês entregam em Niterói?']) {
        await say(chat, body, eager);
        await eager.replyTo(body);
      }
      await eager.learned(chat);
      await save('first-message-in-start', chat, undefined, eager);
    });
  }

  // A chat queried while busy (patched 'late-local-results-first'): sdk-core answered a query
  // while a local activity ran and handed its result over in the next workflow task, which
  // began with signals; the result was handed over first, the signals after. Flooded until a
  // run does not replay without that (test/replay/altered/no-late-local-results.ts).
  if (wanted('late-local-result')) {
    await withStack({ DEBOUNCE_MS: '300' }, async (busy) => {
      const without = await bundleWithoutLateResultsFirst();
      busy.openai.delayCompletions(100);
      // Five new chats each round, so the run kept is one round's worth of messages.
      let needed: { chat: string; runId: string } | undefined;
      for (let round = 0; !needed; round++) {
        if (round >= 20) throw new Error('no run needed its late local activity results handed over first');
        const chats = [0, 1, 2, 3, 4].map((i) => `55219510${String(round * 5 + i).padStart(5, '0')}@c.us`);
        await floodWhileQuerying(busy, chats, { messagesPerRound: 400, until: async () => true });
        for (const chat of chats) {
          const handle = busy.client.workflow.getHandle(chatWorkflowId('default', chat));
          if (!needed && !(await replays(without, await handle.fetchHistory()))) needed = { chat, runId: (await handle.describe()).runId };
        }
      }
      await save('late-local-result', needed!.chat, needed!.runId, busy);
    });
  }
} finally {
  await stack.stop();
}
