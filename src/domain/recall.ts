import type { Recalled } from './context.js';
import { lineText, type TranscriptLine } from './prompt.js';

/**
 * Recall of earlier messages: what full-text search and the vectors found, fused into one
 * ranking, each hit shown with the turns around it and its date.
 */

export const RECALL_MODES = ['hybrid', 'vectors', 'text'] as const;
export type RecallMode = (typeof RECALL_MODES)[number];

/** A message one ranker found, best first in its list. */
export interface RecallHit {
  messageId: string;
  /** Seconds since the epoch: the newer of two equally ranked hits goes first. */
  timestamp: number;
}

/** A line of the transcript around a hit, with its row order and date. */
export interface RecalledLine extends TranscriptLine {
  rowId: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

// Words that say nothing about what is asked, in the languages our users write most
// (English, Portuguese, Spanish), compared without accents. Full-text search runs on the `simple` configuration,
// which keeps every word, so these would otherwise match half of the transcript.
const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her hers him his how i if in into is it its ' +
    'me my mine no not of on or our she so than that the their them then there these they this to too us was we were what when ' +
    'where which who whom why will with would you your yours yes ok okay just about any some all also very really ' +
    'o os as um uma uns umas e é de da das do dos em no na nos nas que se por para com sem ao aos eu tu ele ela nós vós eles ' +
    'elas meu minha meus minhas teu tua seu sua seus suas mas ou foi ser era sou está estou isso isto esse essa aquele ' +
    'qual quais quem quando onde como porque já não sim muito mais me te lhe nos vos você vocês tem ter ' +
    'el la los las un una y en del al lo le les su sus mi mis tu tus yo es son fue pero por para con sin qué cuál cuándo dónde ' +
    'cómo quién muy más usted ustedes nosotros tiene tengo'
  )
    .split(' ')
    .map(fold),
);
const MAX_TERMS = 16;

function fold(word: string): string {
  return word.normalize('NFD').replace(/\p{M}+/gu, '');
}

/** A word to search the transcript for: as written, or as a stem that any ending may follow. */
export interface SearchTerm {
  word: string;
  prefix: boolean;
}

// Endings of English, Portuguese and Spanish words, longest first: "camped" finds "camping",
// "pintou" finds "pintura". The transcript is indexed word for word (the `simple`
// configuration), so the question's words are cut to a stem and matched as a prefix.
const ENDINGS = (
  'ations ciones amento imento iendo ation mente ções ings ando endo indo ados adas idos idas ción ção ' +
  'ing ies ado ada ido ida ou ed es os as s'
)
  .split(' ')
  .sort((a, b) => b.length - a.length);
const MIN_STEM = 3;

function stemOf(word: string): SearchTerm {
  if (word.length <= MIN_STEM || /\p{N}/u.test(word)) return { word, prefix: false };
  const ending = ENDINGS.find((end) => word.endsWith(end) && word.length - end.length >= MIN_STEM);
  return { word: ending ? word.slice(0, -ending.length) : word, prefix: true };
}

/**
 * The words of a question worth searching the transcript for, each once, at most 16, as
 * stems. Accents stay: the database folds them where its unaccent extension is there, on
 * both sides alike.
 */
export function searchTerms(text: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const word of text.normalize('NFC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if (word.length < 2 || STOP_WORDS.has(fold(word))) continue;
    const term = stemOf(word);
    if (terms.some((known) => known.word === term.word)) continue;
    terms.push(term);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

// The usual constant of reciprocal rank fusion: a first place weighs 1/61, a tenth 1/70,
// so a message both rankers found beats one that topped a single list.
const RRF_K = 60;

/** One ranking from several, by reciprocal rank fusion; ties go to the newer message. */
export function fuseRankings(rankings: RecallHit[][], limit: number, weights: number[] = rankings.map(() => 1)): RecallHit[] {
  const fused = new Map<string, { hit: RecallHit; score: number }>();
  for (const [index, ranking] of rankings.entries()) {
    ranking.forEach((hit, rank) => {
      const entry = fused.get(hit.messageId) ?? { hit, score: 0 };
      entry.score += (weights[index] ?? 1) / (RRF_K + rank + 1);
      fused.set(hit.messageId, entry);
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || b.hit.timestamp - a.hit.timestamp)
    .slice(0, limit)
    .map((entry) => entry.hit);
}

/**
 * The recalled passages, in the fused order: each hit with its neighbours, oldest line first,
 * dated. A line already shown (in an earlier passage or in the recent transcript) is not
 * repeated; a hit that an earlier passage already holds adds nothing.
 */
export function recalledPassages(
  ranked: RecallHit[],
  linesAround: Map<string, RecalledLine[]>,
  options: { isGroupChat: boolean; shownMessageIds: Set<string> },
): Recalled[] {
  const shownRows = new Set<string>();
  const passages: Recalled[] = [];
  ranked.forEach((hit, rank) => {
    const lines = linesAround.get(hit.messageId) ?? [];
    const hitLine = lines.find((line) => line.messageId === hit.messageId);
    if (!hitLine || shownRows.has(hitLine.rowId)) return;
    const fresh = lines.filter((line) => !shownRows.has(line.rowId) && !(line.messageId && options.shownMessageIds.has(line.messageId)) && lineText(line));
    for (const line of fresh) shownRows.add(line.rowId);
    if (fresh.length) passages.push({ text: formatPassage(fresh, options.isGroupChat), score: 1 / (rank + 1) });
  });
  return passages;
}

function formatPassage(lines: RecalledLine[], isGroupChat: boolean): string {
  let day = '';
  return lines
    .map((line) => {
      const date = new Date(line.timestamp * 1000).toISOString().slice(0, 10);
      const dated = date === day ? '' : `[${date}] `;
      day = date;
      return `${dated}${speakerOf(line, isGroupChat)}: ${lineText(line)}`;
    })
    .join('\n  ');
}

function speakerOf(line: TranscriptLine, isGroupChat: boolean): string {
  if (line.role === 'assistant') return 'you';
  return isGroupChat ? (line.senderName ?? line.actorId) : 'user';
}
