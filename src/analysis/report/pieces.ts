/** Output is handed on in pieces of about this many characters. */
const PIECE = 1 << 16;

/**
 * Small strings joined into pieces of about 64 KB: few writes, and never one string of the
 * whole report (a million anomalies would take gigabytes, or pass V8's limit on a string).
 */
export async function* inPieces(parts: AsyncIterable<string>): AsyncGenerator<string> {
  let piece = '';
  for await (const part of parts) {
    piece += part;
    if (piece.length >= PIECE) {
      yield piece;
      piece = '';
    }
  }
  if (piece !== '') yield piece;
}
