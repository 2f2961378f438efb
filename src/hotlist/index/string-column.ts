/**
 * A column of strings for millions of hot-list entries, stored in typed arrays. It starts as a
 * constant (an empty officer column costs nothing), becomes a dictionary of at most 4,096
 * distinct values (list, state, reason: 2 bytes an entry) and falls back to packed UTF-8 bytes
 * with offsets when the values are mostly unique (case numbers). The same adaptive dictionary
 * fallback columnar formats use; it keeps 5 M entries' text under ~150 MB instead of ~1 GB of
 * JavaScript strings, and every part is a typed array a worker can hand over in shared memory.
 */

import { sharedCopy } from './shared-arrays.js';

export type StringColumnParts =
  | { kind: 'const'; count: number; value: string }
  | { kind: 'dict'; values: string[]; ids: Uint16Array }
  | { kind: 'packed'; offsets: Uint32Array; bytes: Uint8Array };

const DICT_LIMIT = 4096;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class StringColumnBuilder {
  private mode: 'const' | 'dict' | 'packed' = 'const';
  private count = 0;
  private constValue = '';
  private dict = new Map<string, number>();
  private values: string[] = [];
  private ids = new Uint16Array(0);
  private offsets = new Uint32Array(0);
  private bytes = new Uint8Array(0);
  private used = 0;

  get length(): number {
    return this.count;
  }

  push(value: string): void {
    if (this.mode === 'const') {
      if (this.count === 0 || value === this.constValue) {
        this.constValue = value;
        this.count++;
        return;
      }
      this.toDict();
    }
    if (this.mode === 'dict') {
      let id = this.dict.get(value);
      if (id === undefined) {
        if (this.values.length === DICT_LIMIT) {
          this.toPacked();
          this.pushPacked(value);
          return;
        }
        id = this.values.length;
        this.values.push(value);
        this.dict.set(value, id);
      }
      if (this.count === this.ids.length) this.ids = grow16(this.ids);
      this.ids[this.count++] = id;
      return;
    }
    this.pushPacked(value);
  }

  /** Value of row `i` while building (duplicate checks). */
  get(i: number): string {
    return readColumn(this.partsView(), i);
  }

  build(): StringColumnParts {
    const parts = this.partsView(true);
    this.dict = new Map();
    return parts;
  }

  private partsView(trim = false): StringColumnParts {
    switch (this.mode) {
      case 'const':
        return { kind: 'const', count: this.count, value: this.constValue };
      case 'dict':
        return { kind: 'dict', values: this.values, ids: trim ? sharedCopy(Uint16Array, this.ids, this.count) : this.ids };
      case 'packed':
        return {
          kind: 'packed',
          offsets: trim ? sharedCopy(Uint32Array, this.offsets, this.count + 1) : this.offsets,
          bytes: trim ? sharedCopy(Uint8Array, this.bytes, this.used) : this.bytes,
        };
    }
  }

  private toDict(): void {
    this.mode = 'dict';
    this.values = [this.constValue];
    this.dict.set(this.constValue, 0);
    this.ids = new Uint16Array(Math.max(1024, this.count * 2));
    this.ids.fill(0, 0, this.count);
  }

  private toPacked(): void {
    const n = this.count;
    const ids = this.ids;
    const values = this.values;
    this.mode = 'packed';
    this.count = 0;
    this.offsets = new Uint32Array(Math.max(1024, n * 2) + 1);
    this.bytes = new Uint8Array(Math.max(4096, n * 16));
    this.used = 0;
    for (let i = 0; i < n; i++) this.pushPacked(values[ids[i]!]!);
    this.ids = new Uint16Array(0);
    this.values = [];
    this.dict = new Map();
  }

  private pushPacked(value: string): void {
    if (this.count + 2 > this.offsets.length) {
      const o = new Uint32Array(Math.ceil(this.offsets.length * 1.5) + 2);
      o.set(this.offsets);
      this.offsets = o;
    }
    const need = this.used + value.length * 3;
    if (need > this.bytes.length) {
      const b = new Uint8Array(Math.max(need, Math.ceil(this.bytes.length * 1.5)));
      b.set(this.bytes.subarray(0, this.used));
      this.bytes = b;
    }
    this.offsets[this.count] = this.used;
    this.used += encoder.encodeInto(value, this.bytes.subarray(this.used)).written;
    this.offsets[++this.count] = this.used;
  }
}

export function readColumn(c: StringColumnParts, i: number): string {
  switch (c.kind) {
    case 'const':
      return c.value;
    case 'dict':
      return c.values[c.ids[i]!]!;
    case 'packed':
      return decoder.decode(c.bytes.subarray(c.offsets[i], c.offsets[i + 1]));
  }
}

export function columnBytes(c: StringColumnParts): number {
  switch (c.kind) {
    case 'const':
      return c.value.length;
    case 'dict':
      return c.ids.byteLength + c.values.reduce((s, v) => s + v.length, 0);
    case 'packed':
      return c.offsets.byteLength + c.bytes.byteLength;
  }
}

function grow16(a: Uint16Array): Uint16Array<ArrayBuffer> {
  const b = new Uint16Array(Math.max(1024, Math.ceil(a.length * 1.5)));
  b.set(a);
  return b;
}
