// as-pect runs the kernel unit tests (test/assembly/*.spec.ts): each fast SIMD kernel
// is compared with its plain scalar reference on awkward sizes.
export default {
  entries: ["test/assembly/**/*.spec.ts"],
  include: ["test/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
