// SHA-256 (hex) with WebCrypto, available in Node ≥ 20 and browsers: the weights' hash of a
// model, the fingerprint of a training set, and the link between a checkpoint's two files.
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 (hex) of the bytes of `arrays` one after another (little-endian f32): a model's weights. */
export function sha256OfArrays(arrays: readonly Float32Array[]): Promise<string> {
  const all = new Uint8Array(arrays.reduce((a, w) => a + w.byteLength, 0));
  let o = 0;
  for (const w of arrays) {
    all.set(new Uint8Array(w.buffer, w.byteOffset, w.byteLength), o);
    o += w.byteLength;
  }
  return sha256Hex(all);
}
