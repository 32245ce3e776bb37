// Output size of a strided, padded, dilated window (shared by conv.ts, conv_ref.ts and
// depthwise.ts; not a Wasm export): the effective kernel is (k − 1)·d + 1 wide, and
// out = floor((size + 2·pad − ((k − 1)·d + 1)) / stride) + 1.

// @ts-ignore: decorator
@inline export function out_size(size: i32, k: i32, stride: i32, pad: i32, d: i32): i32 {
  return (size + 2 * pad - ((k - 1) * d + 1)) / stride + 1;
}
