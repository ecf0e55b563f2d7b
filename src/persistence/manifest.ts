/**
 * The multi-part AOF manifest of Redis 7.0 (`<appendfilename>.manifest` in
 * `appenddirname`): one line per file,
 *
 *   file appendonly.aof.1.base.rdb seq 1 type b
 *   file appendonly.aof.1.incr.aof seq 1 type i
 *
 * with the base first, then history files (type h, waiting to be deleted),
 * then the incr files in sequence order. Parsing follows
 * aofLoadManifestFromFile: '#' lines are comments, key/value pairs in any
 * order (names quoted as sdssplitargs reads them), the same error texts.
 */
import { repr, splitArgs } from '../config/parse';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: AofFileType;
}

export class AofManifest {
  base: AofFileInfo | null = null;
  history: AofFileInfo[] = [];
  incrs: AofFileInfo[] = [];
  currBaseSeq = 0;
  currIncrSeq = 0;

  clone(): AofManifest {
    const m = new AofManifest();
    m.base = this.base ? { ...this.base } : null;
    m.history = this.history.map((f) => ({ ...f }));
    m.incrs = this.incrs.map((f) => ({ ...f }));
    m.currBaseSeq = this.currBaseSeq;
    m.currIncrSeq = this.currIncrSeq;
    return m;
  }

  get empty(): boolean {
    return this.base === null && this.incrs.length === 0;
  }

  /** getAofManifestAsString. */
  format(): string {
    const line = (f: AofFileInfo) => `file ${needsRepr(f.name) ? repr(f.name) : f.name} seq ${f.seq} type ${f.type}\n`;
    return [...(this.base ? [this.base] : []), ...this.history, ...this.incrs].map(line).join('');
  }

  /** Marks the base as history and makes a new one (getNewBaseFileNameAndMarkPreAsHistory). */
  newBase(appendfilename: string, rdbFormat: boolean): AofFileInfo {
    if (this.base) {
      this.base.type = 'h';
      this.history.unshift(this.base);
    }
    this.currBaseSeq++;
    this.base = {
      name: `${appendfilename}.${this.currBaseSeq}.base${rdbFormat ? '.rdb' : '.aof'}`,
      seq: this.currBaseSeq,
      type: 'b',
    };
    return this.base;
  }

  /** getNewIncrAofName. */
  newIncr(appendfilename: string): AofFileInfo {
    this.currIncrSeq++;
    const f: AofFileInfo = { name: `${appendfilename}.${this.currIncrSeq}.incr.aof`, seq: this.currIncrSeq, type: 'i' };
    this.incrs.push(f);
    return f;
  }

  /** markRewrittenIncrAofAsHistory: every incr but the one being written (when keepLast) becomes history. */
  markRewrittenIncrsAsHistory(keepLast: boolean): void {
    const keep = keepLast && this.incrs.length > 0 ? this.incrs[this.incrs.length - 1] : null;
    for (const f of this.incrs.slice().reverse()) {
      if (f === keep) continue;
      this.history.unshift({ ...f, type: 'h' });
    }
    this.incrs = keep ? [keep] : [];
  }

  /** Parses a manifest; throws an Error with Redis's message when it is invalid. */
  static parse(text: string): AofManifest {
    const m = new AofManifest();
    const lines = text.split(/(?<=\n)/);
    if (text.length === 0) throw new Error('Found an empty AOF manifest');
    let maxSeq = 0;
    for (const raw of lines) {
      if (raw.startsWith('#')) continue;
      if (!raw.endsWith('\n')) throw new Error('The AOF manifest file contains too long line');
      const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') throw new Error('Invalid AOF manifest file format');
      const argv = splitArgs(line);
      if (argv === null || argv.length < 6 || argv.length % 2) throw new Error('Invalid AOF manifest file format');
      let name = '';
      let seq = 0;
      let type = '';
      for (let i = 0; i < argv.length; i += 2) {
        const k = argv[i].toLowerCase();
        if (k === 'file') {
          name = argv[i + 1];
          if (name.includes('/') || name.includes('\\')) throw new Error("File can't be a path, just a filename");
        } else if (k === 'seq') {
          seq = parseInt(argv[i + 1], 10) || 0;
        } else if (k === 'type') {
          type = argv[i + 1][0] ?? '';
        }
      }
      if (!name || !seq || !type) throw new Error('Invalid AOF manifest file format');
      if (type === 'b') {
        if (m.base) throw new Error('Found duplicate base file information');
        m.base = { name, seq, type };
        m.currBaseSeq = seq;
      } else if (type === 'h') {
        m.history.push({ name, seq, type });
      } else if (type === 'i') {
        if (seq <= maxSeq) throw new Error('Found a non-monotonic sequence number');
        m.incrs.push({ name, seq, type });
        m.currIncrSeq = seq;
        maxSeq = seq;
      } else {
        throw new Error('Unknown AOF file type');
      }
    }
    return m;
  }
}

/** sdsneedsrepr: a name with spaces, quotes or non-printable bytes is written quoted. */
function needsRepr(s: string): boolean {
  return /[\\"\n\r\t\x07\x08 ]|[^\x20-\x7e]/.test(s);
}
