// What a test needs from the machine (Chromium, a data set) and what happens when it is missing.
// On a laptop such a test skips, saying what to install. With CI=true (set by .ci/run and by
// most CI services) it fails instead, naming what is missing: in CI a skip is a check that
// cannot fail, and CI would stay green if Chromium stopped installing.
import { existsSync } from 'node:fs';
import { type TestContext, type TestOptions, test } from 'node:test';

export const CI = /^(1|true)$/i.test(process.env.CI ?? '');

/** false when `path` exists; otherwise what is missing and how to get it. */
export function missingPath(path: string, what: string, howToGet: string): false | string {
  return existsSync(path) ? false : `${what} not found at ${path} (${howToGet})`;
}

/**
 * `test(name, options, fn)` for a test that needs what `missing` names (false: nothing is
 * missing, run it). Missing, it skips with that reason, or under CI=true fails with it.
 */
export function testNeeds(missing: false | string, name: string, options: TestOptions, fn: (t: TestContext) => void | Promise<void>): void {
  if (!missing) test(name, options, fn);
  else if (CI) test(name, options, () => { throw new Error(`CI=true, so this test may not skip: ${missing}`); });
  else test(name, { ...options, skip: missing }, fn);
}
