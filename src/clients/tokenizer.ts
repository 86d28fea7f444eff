import { setImmediate as nextTurn } from 'node:timers/promises';
import { countTokens as countExactly, setMergeCacheSize } from 'gpt-tokenizer';

/**
 * Token counts that stay linear whatever the text. gpt-tokenizer alone has two traps:
 * - its merge work grows with the square of any run it cannot split (one letter or emoji
 *   repeated, CJK without spaces, a long stretch of spaces): 200,000 of one character took
 *   half a minute;
 * - its cache of 100,000 pieces evicts through a Map iterator that walks past every entry
 *   deleted before it, so once full, each new piece costs a long walk: 2 MB of words it had
 *   not seen took 20 s. A small cache keeps the walk short; common words are whole tokens
 *   and need no cache.
 * So the text is counted in segments of about SEGMENT_CHARS, cut before white space, and
 * every run of more than RUN_CHARS of one kind is cut into pieces of at most PIECE_BYTES.
 * Ordinary text counts as in one piece, give or take a token where a segment is cut; a cut
 * run may count a token or two more. Close enough for a budget.
 */
const RUN_CHARS = 64;
const PIECE_BYTES = 64;
const SEGMENT_CHARS = 4096;
const MERGE_CACHE_PIECES = 1000;
const LONG_RUN = new RegExp(`\\s{${RUN_CHARS + 1},}|\\S{${RUN_CHARS + 1},}`, 'g');
const SPACE = /\s/g;
/** Past this many characters the async count lets other work run between segments. */
const YIELD_EVERY_CHARS = 8_192;

setMergeCacheSize(MERGE_CACHE_PIECES);

/** Tokens of `text` in the o200k encoding (GPT-4o and later); close enough for budgeting other models. */
export function countTokens(text: string): number {
  const count = pieceCounter();
  let total = 0;
  for (const segment of segments(text)) total += count(segment);
  return total;
}

/**
 * The same count, for a text that may be long: it gives the event loop back every
 * YIELD_EVERY_CHARS, so a huge message never holds up the worker's other activities.
 */
export async function countTokensYielding(text: string): Promise<number> {
  const count = pieceCounter();
  let total = 0;
  let sinceYield = 0;
  for (const segment of segments(text)) {
    total += count(segment);
    sinceYield += segment.length;
    if (sinceYield >= YIELD_EVERY_CHARS) {
      sinceYield = 0;
      await nextTurn();
    }
  }
  return total;
}

/**
 * Counts segments, remembering the pieces of long runs for this text: a run of one
 * repeated character is thousands of equal pieces, and each call into the tokenizer costs
 * far more than a lookup.
 */
function pieceCounter(): (segment: string) => number {
  const known = new Map<string, number>();
  return (segment) => {
    if (segment.length > RUN_CHARS) return countExactly(segment);
    let tokens = known.get(segment);
    if (tokens === undefined) known.set(segment, (tokens = countExactly(segment)));
    return tokens;
  };
}

/** Pieces of `text` in which the tokenizer's work stays linear; found in linear time. */
function* segments(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    LONG_RUN.lastIndex = start;
    const long = LONG_RUN.exec(text);
    const plainEnd = long ? long.index : text.length;
    yield* plainSegments(text, start, plainEnd);
    if (!long) return;
    yield* pieces(long[0]);
    start = plainEnd + long[0].length;
  }
}

/** A stretch without long runs, cut before white space every SEGMENT_CHARS or so. */
function* plainSegments(text: string, from: number, to: number): Generator<string> {
  let start = from;
  while (to - start > SEGMENT_CHARS) {
    SPACE.lastIndex = start + SEGMENT_CHARS;
    const space = SPACE.exec(text);
    const cut = space && space.index < to ? space.index : to;
    yield text.slice(start, cut);
    start = cut;
  }
  if (to > start) yield text.slice(start, to);
}

/**
 * A long run of one kind, in pieces of at most PIECE_BYTES of UTF-8 (the tokenizer's merge
 * work grows with the square of a piece's bytes), never splitting a surrogate pair.
 */
function* pieces(run: string): Generator<string> {
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < run.length; i++) {
    const unit = run.charCodeAt(i);
    const isPair = unit >= 0xd800 && unit <= 0xdbff && i + 1 < run.length;
    const size = unit < 0x80 ? 1 : unit < 0x800 ? 2 : isPair ? 4 : 3;
    if (bytes + size > PIECE_BYTES) {
      yield run.slice(start, i);
      start = i;
      bytes = 0;
    }
    bytes += size;
    if (isPair) i += 1;
  }
  if (start < run.length) yield run.slice(start);
}
