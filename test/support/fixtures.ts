import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../fixtures/waha/', import.meta.url));

/** The exact bytes of a fixture file, as WAHA would post them. */
export function fixtureBytes(name: string): string {
  return readFileSync(`${DIR}${name}`, 'utf8');
}

export function fixture<T = any>(name: string): T {
  return JSON.parse(fixtureBytes(name)) as T;
}

/**
 * A copy of a message fixture with another WhatsApp id (and event id): a new message. The
 * engine's raw alternative id (`other`: NOWEB's remoteJidAlt / participantAlt, GOWS's
 * SenderAlt) names the same person's other form, or is cleared with `null`.
 */
export function variant(name: string, change: { waId?: string; body?: string; chat?: string; participant?: string; other?: string | null } = {}): any {
  const event = fixture(name);
  const parts = String(event.payload.id).split('_');
  if (change.chat) {
    parts[1] = change.chat;
    event.payload.from = change.chat;
  }
  if (change.participant) {
    parts[3] = change.participant;
    event.payload.participant = change.participant;
  }
  if (change.other !== undefined) {
    const key = event.payload._data?.key;
    if (key) key[change.participant || event.payload.participant ? 'participantAlt' : 'remoteJidAlt'] = change.other ?? '';
    if (event.payload._data?.Info) event.payload._data.Info.SenderAlt = change.other ?? '';
  }
  if (change.waId) parts[2] = change.waId;
  event.payload.id = parts.join('_');
  if (change.body !== undefined) event.payload.body = change.body;
  event.id = `evt_${Math.random().toString(36).slice(2)}`;
  return event;
}

let changes = 0;

/** A message.edited event (NOWEB's shape) that changes `original`'s text to `body`. */
export function editOf(original: any, body: string): any {
  const [, chat, waId] = String(original.payload.id).split('_');
  const event = variant('message-edited.json', { chat, waId: `EDIT${changes++}`, body });
  event.payload.editedMessageId = waId;
  event.payload.fromMe = original.payload.fromMe;
  return event;
}

/** A message.revoked event (GOWS's shape): `original` deleted for everyone. */
export function revokeOf(original: any): any {
  const [flag, chat, waId] = String(original.payload.id).split('_');
  const event = fixture('message-revoked.json');
  Object.assign(event.payload.after, { id: `${flag}_${chat}_REVOKE${changes++}`, from: chat, fromMe: original.payload.fromMe });
  event.payload.revokedMessageId = waId;
  event.id = `evt_${Math.random().toString(36).slice(2)}`;
  return event;
}
