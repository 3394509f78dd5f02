// Offsets <-> line/column for a text, and the UTF-8 byte -> UTF-16 offset conversion the parser needs
// (libpg-query reports byte offsets; editors count UTF-16 code units).

export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line and UTF-16 column of an offset. */
  positionAt(offset: number): { line: number; column: number } {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: o - (this.lineStarts[lo] ?? 0) };
  }

  offsetAt(line: number, column: number): number {
    const start = this.lineStarts[Math.max(0, Math.min(line, this.lineStarts.length - 1))] ?? 0;
    return Math.min(this.text.length, start + column);
  }

  lineStart(line: number): number {
    return this.lineStarts[line] ?? this.text.length;
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/** Converts a UTF-8 byte offset within `text` to a UTF-16 offset. */
export function byteToCharOffset(text: string, byteOffset: number): number {
  if (byteOffset <= 0) return 0;
  if (ASCII.test(text)) return Math.min(byteOffset, text.length);
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    if (bytes >= byteOffset) return i;
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4; // surrogate pair: one code point, two UTF-16 units
      i++;
    } else bytes += 3;
  }
  return text.length;
}

/** UTF-8 length of a string. */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}
