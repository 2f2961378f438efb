/**
 * Typed arrays on shared memory, for the parts of an index a build worker hands to the main
 * thread. Allocating them shared from the start (instead of copying at the end) keeps a build's
 * peak memory and the memory the worker leaves behind to the index itself.
 */
type TypedArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float64Array;

interface TypedArrayConstructor<T extends TypedArray> {
  new (buffer: SharedArrayBuffer): T;
  readonly BYTES_PER_ELEMENT: number;
}

export function sharedArray<T extends TypedArray>(ctor: TypedArrayConstructor<T>, length: number): T {
  return new ctor(new SharedArrayBuffer(length * ctor.BYTES_PER_ELEMENT));
}

/** The first `length` elements of `source`, in shared memory. */
export function sharedCopy<T extends TypedArray>(ctor: TypedArrayConstructor<T>, source: T, length: number): T {
  const out = sharedArray(ctor, length);
  (out as Uint8Array).set((source as Uint8Array).subarray(0, length));
  return out;
}
