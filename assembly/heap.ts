// First byte above the module's static data. The TypeScript binding manages every byte
// from here up; the kernels themselves allocate nothing.
export function heap_base(): usize {
  return __heap_base;
}
