// SHA-256 (hex) with WebCrypto, available in Node ≥ 20 and browsers: the weights' hash of a
// model, the fingerprint of a training set, and the link between a checkpoint's two files.
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, '0')).join('');
}

