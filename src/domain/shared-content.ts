import { limitText } from './safe-text.js';

/**
 * Locations, contacts and polls carry no text of their own: what they share becomes a short
 * line, so memory and the model see it as they see typed text. Pure: reads WAHA's payload.
 * `[location: Padaria Central, Rua A 10 (-23.5505, -46.6333)]`, `[contact: Ana Souza +55 11 91234-5678]`,
 * `[poll: Which day? options: Saturday / Sunday]`.
 */
const PART_CHARS = 200;
const MAX_ITEMS = 12;

export function sharedContentText(payload: unknown, raw: unknown): string | null {
  return locationText(field(payload, 'location')) ?? contactsText(field(payload, 'vCards')) ?? pollText(raw);
}

/**
 * The message's own body beside what it shares, unless the engine put the shared thing itself
 * there (WEBJS: a contact's vCard, a location's thumbnail in base64, the poll's question).
 */
export function captionBeside(shared: string, body: string | null): string | null {
  if (!body?.trim()) return null;
  if (/^BEGIN:VCARD/i.test(body.trim()) || /^[A-Za-z0-9+/=]{100,}$/.test(body.trim()) || shared.includes(body.trim())) return null;
  return body;
}

function locationText(location: unknown): string | null {
  if (!location || typeof location !== 'object') return null;
  const latitude = Number(field(location, 'latitude'));
  const longitude = Number(field(location, 'longitude'));
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
  const names = ['name', 'description', 'address'].map((key) => text(field(location, key))).filter((value): value is string => !!value);
  const place = [...new Set(names.flatMap((name) => name.split('\n')).map((line) => line.trim()).filter(Boolean))].join(', ');
  const live = field(location, 'live') === true ? 'live location' : 'location';
  return `[${live}: ${place ? `${limitText(place, PART_CHARS)} ` : ''}(${round(latitude)}, ${round(longitude)})]`;
}

function contactsText(vCards: unknown): string | null {
  if (!Array.isArray(vCards) || vCards.length === 0) return null;
  const people = vCards
    .filter((card): card is string => typeof card === 'string')
    .slice(0, MAX_ITEMS)
    .map((card) => {
      const [family, given] = (vCardValue(card, 'N') ?? '').split(';');
      const name = vCardValue(card, 'FN') ?? ([given, family].filter(Boolean).join(' ') || 'no name');
      const phones = [...card.matchAll(/^(?:[\w-]+\.)?TEL[^:\n]*:(.+)$/gim)].map((match) => match[1]!.trim()).slice(0, 3);
      return limitText([name, ...phones].join(' '), PART_CHARS);
    });
  if (people.length === 0) return null;
  return `[${people.length === 1 ? 'contact' : 'contacts'}: ${people.join('; ')}]`;
}

/** WEBJS `_data.pollName` / `pollOptions`; NOWEB and GOWS `pollCreationMessage` (V2, V3). */
function pollText(raw: unknown): string | null {
  const message = field(raw, 'message') ?? field(raw, 'Message');
  const creation = ['pollCreationMessage', 'pollCreationMessageV2', 'pollCreationMessageV3'].map((key) => field(message, key)).find(Boolean);
  const question = text(field(raw, 'pollName')) ?? text(field(creation, 'name'));
  if (!question) return null;
  const rawOptions = field(raw, 'pollOptions') ?? field(creation, 'options');
  const options = (Array.isArray(rawOptions) ? rawOptions : [])
    .map((option) => text(field(option, 'name')) ?? text(field(option, 'optionName')))
    .filter((option): option is string => !!option)
    .slice(0, MAX_ITEMS);
  return `[poll: ${limitText(question, PART_CHARS)}${options.length ? ` options: ${options.map((option) => limitText(option, PART_CHARS)).join(' / ')}` : ''}]`;
}

function vCardValue(card: string, key: string): string | null {
  // A vCard property may carry a group prefix (`item1.TEL`) and parameters (`TEL;waid=…`).
  const match = new RegExp(`^(?:[\\w-]+\\.)?${key}(?:;[^:\\n]*)?:(.+)$`, 'im').exec(card);
  return match ? match[1]!.trim() || null : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

function round(degrees: number): number {
  return Math.round(degrees * 10_000) / 10_000;
}

function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
}
