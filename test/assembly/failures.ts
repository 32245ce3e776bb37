// The specs' failure log: fail() records a mismatch (the first one's text is kept) and lets a
// sweep go on; expectClean() then asserts that none was recorded, printing the first.
let failures = 0;
let first = "";

export function fail(what: string): void {
  if (failures++ == 0) first = what;
}

export function expectClean(): void {
  const msg = first, n = failures;
  failures = 0; // reset first: a failing expect throws
  first = "";
  expect(msg).toBe("");
  expect(n).toBe(0);
}
