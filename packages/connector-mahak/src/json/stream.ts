/**
 * Splits a JSON text that arrives in chunks into the records of a `GetAllData` answer — the objects that are
 * elements of an array at nesting depth 4 (envelope, `Data`, `Objects`, the entity's array) — and the rest of the
 * answer (the envelope without its records). Each record's text is handed over as soon as it is complete, so an
 * answer of any size is read with memory bounded by one chunk plus one record; records are parsed with
 * {@link parseLosslessJson}, so int64 values and decimals keep every digit.
 *
 * The scan only tracks strings (with escapes) and brackets; a string or record cut by a chunk boundary is carried
 * over and scanned again once the next chunk arrives.
 */
export class JsonRecordSplitter {
  private buf = '';
  /** Where scanning resumes in `buf`. */
  private pos = 0;
  private depth = 0;
  /** Bit d set: the container opened at depth d is an array (depths below 31). */
  private arrays = 0;
  /** Start of the record being read in `buf`, or -1. */
  private recordStart = -1;
  /** Start in `buf` of the envelope text not yet copied to `skeleton`. */
  private skeletonFrom = 0;
  private skeleton: string[] = [];
  /** The last key read at depth 3 (inside `Objects`): the plural of the records that follow. */
  private key = '';
  private lastString = '';
  /** A record just ended: the comma after it belongs to the records, not to the envelope. */
  private afterRecord = false;

  constructor(
    /** Called with each complete record's text and the key of the array it is in (e.g. `People`). */
    private readonly onRecord: (key: string, text: string) => void,
    private readonly recordDepth = 4,
  ) {}

  /** Scans the next chunk of text. */
  write(chunk: string): void {
    // Keep only what is still needed: the record being read, or the envelope text not copied yet.
    const keep = this.recordStart >= 0 ? Math.min(this.recordStart, this.pos) : this.pos;
    if (this.recordStart < 0 && this.skeletonFrom < keep) {
      this.skeleton.push(this.buf.slice(this.skeletonFrom, keep));
      this.skeletonFrom = keep;
    }
    const cut = Math.min(keep, this.skeletonFrom);
    this.buf = cut > 0 ? this.buf.slice(cut) + chunk : this.buf + chunk;
    this.pos -= cut;
    this.skeletonFrom -= cut;
    if (this.recordStart >= 0) this.recordStart -= cut;
    this.scan();
  }

  /** Ends the text; returns the envelope with the records taken out (to parse with {@link parseLosslessJson}). */
  end(): string {
    if (this.pos < this.buf.length) throw new SyntaxError('JSON text ended inside a string');
    if (this.depth !== 0 || this.recordStart >= 0) throw new SyntaxError('JSON text ended inside a value');
    this.skeleton.push(this.buf.slice(this.skeletonFrom));
    const text = this.skeleton.join('');
    this.skeleton = [];
    this.buf = '';
    return text;
  }

  private scan(): void {
    const s = this.buf;
    const n = s.length;
    const recordDepth = this.recordDepth;
    let i = this.pos;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        // A string: find its closing quote within this buffer, or stop here and wait for more text.
        let j = i + 1;
        let closed = -1;
        for (;;) {
          const q = s.indexOf('"', j);
          if (q === -1) break;
          let slashes = 0;
          for (let b = q - 1; s.charCodeAt(b) === 92; b--) slashes++;
          if ((slashes & 1) === 0) {
            closed = q;
            break;
          }
          j = q + 1;
        }
        if (closed === -1) break; // resume at this quote with the next chunk
        if (this.depth === recordDepth - 1 && this.recordStart < 0) this.lastString = s.slice(i + 1, closed);
        i = closed + 1;
        continue;
      }
      if (c === 123 || c === 91) {
        // { or [
        const d = this.depth;
        if (c === 123 && d === recordDepth && this.recordStart < 0 && (this.arrays >>> (d - 1)) & 1) {
          if (this.skeletonFrom < i) this.skeleton.push(s.slice(this.skeletonFrom, i));
          this.skeletonFrom = i;
          this.recordStart = i;
          this.afterRecord = false;
        }
        if (d < 31) this.arrays = c === 91 ? this.arrays | (1 << d) : this.arrays & ~(1 << d);
        this.depth = d + 1;
      } else if (c === 125 || c === 93) {
        // } or ]
        this.depth--;
        if (this.depth < 0) throw new SyntaxError(`unexpected ${String.fromCharCode(c)} in JSON text`);
        if (c === 125 && this.depth === recordDepth && this.recordStart >= 0) {
          const text = s.slice(this.recordStart, i + 1);
          this.recordStart = -1;
          this.skeletonFrom = i + 1;
          this.afterRecord = true;
          this.onRecord(this.key, text);
        } else this.afterRecord = false;
      } else if (c === 58) {
        // : after a key inside Objects names the array that follows
        if (this.depth === recordDepth - 1) this.key = this.lastString;
      } else if (c === 44) {
        // , between records: dropped with them, so the envelope stays valid JSON (`"People":[]`)
        if (this.afterRecord && this.recordStart < 0) {
          if (this.skeletonFrom < i) this.skeleton.push(s.slice(this.skeletonFrom, i));
          this.skeletonFrom = i + 1;
          this.afterRecord = false;
        }
      } else if (c > 32) this.afterRecord = false;
      i++;
    }
    this.pos = i;
  }
}
