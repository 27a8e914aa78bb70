/**
 * Loaded by .mocharc.js before any test file: the Pulumi SDK's debuggable promises without the
 * stack traces nobody reads (tools/promisestacks.ts), which were most of the CPU time of every
 * program run of the tests. The resources registered are the same (golden plans and URNs hold).
 */
import { dropPromiseStacks } from "../tools/promisestacks";

/** Gives the SDK its own traces back (for test/promisestacks.test.ts). */
export const restoreSdkStacks = dropPromiseStacks();
