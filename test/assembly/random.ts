// Deterministic inputs for the kernel specs: Marsaglia's xorshift32 (one stream per spec file,
// each spec compiles to its own module), uniform floats from its top 24 bits.
let state: u32 = 1;

export function seedRandom(seed: u32): void {
  state = seed;
}

export function nextU32(): u32 {
  state ^= state << 13; state ^= state >> 17; state ^= state << 5;
  return state;
}

export function uniform(lo: f64, hi: f64): f32 {
  return <f32>(lo + (hi - lo) * (<f64>(nextU32() >> 8) / 16777216.0));
}

export function ptr<T>(a: StaticArray<T>): usize {
  return changetype<usize>(a);
}
