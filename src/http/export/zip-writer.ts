/**
 * A small streaming ZIP writer (PKWARE APPNOTE 6.3, no ZIP64): each entry's bytes are known
 * before it is written, so sizes and CRC go in the local header and no data descriptor is needed.
 * Entries are pulled one at a time, so an export of thousands of images never sits in memory.
 * JPEGs are stored (they do not compress); text is deflated.
 */
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Deflate the entry (text); store it otherwise (JPEG). */
  compress?: boolean;
  mtime?: Date;
}

const MAX_ENTRIES = 0xffff;
const MAX_OFFSET = 0xffffffff;
const FLAG_UTF8 = 0x0800;

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

interface Written {
  name: Buffer;
  method: number;
  time: number;
  date: number;
  crc: number;
  csize: number;
  usize: number;
  offset: number;
}

/** Yields the archive as chunks; throws when it would need ZIP64 (too many or too large). */
export function* zipChunks(entries: Iterable<ZipEntry>): Generator<Buffer> {
  const written: Written[] = [];
  let offset = 0;
  for (const e of entries) {
    if (written.length >= MAX_ENTRIES) throw new Error(`zip: more than ${MAX_ENTRIES} entries`);
    const name = Buffer.from(e.name.replace(/\\/g, '/').replace(/^\/+/, ''), 'utf8');
    const body = e.compress ? deflateRawSync(e.data) : e.data;
    const { time, date } = dosTime(e.mtime ?? new Date());
    const w: Written = { name, method: e.compress ? 8 : 0, time, date, crc: crc32(e.data), csize: body.length, usize: e.data.length, offset };
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(FLAG_UTF8, 6);
    h.writeUInt16LE(w.method, 8);
    h.writeUInt16LE(time, 10);
    h.writeUInt16LE(date, 12);
    h.writeUInt32LE(w.crc >>> 0, 14);
    h.writeUInt32LE(w.csize, 18);
    h.writeUInt32LE(w.usize, 22);
    h.writeUInt16LE(name.length, 26);
    h.writeUInt16LE(0, 28);
    offset += h.length + name.length + body.length;
    if (offset > MAX_OFFSET) throw new Error('zip: archive larger than 4 GiB');
    written.push(w);
    yield Buffer.concat([h, name]);
    yield body;
  }
  const cdStart = offset;
  for (const w of written) {
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(FLAG_UTF8, 8);
    c.writeUInt16LE(w.method, 10);
    c.writeUInt16LE(w.time, 12);
    c.writeUInt16LE(w.date, 14);
    c.writeUInt32LE(w.crc >>> 0, 16);
    c.writeUInt32LE(w.csize, 20);
    c.writeUInt32LE(w.usize, 24);
    c.writeUInt16LE(w.name.length, 28);
    // extra, comment, disk number, internal attributes: 0
    c.writeUInt32LE(0, 38);
    c.writeUInt32LE(w.offset, 42);
    offset += c.length + w.name.length;
    yield Buffer.concat([c, w.name]);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(offset - cdStart, 12);
  end.writeUInt32LE(cdStart, 16);
  yield end;
}
