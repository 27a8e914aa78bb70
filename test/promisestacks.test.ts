/** The SDK's debuggable promises carry no stack trace in the test process (tools/promisestacks.ts). */
import assert from "node:assert/strict";
import * as aws from "../components/aws/sdk";
import { runProgram } from "../tools/harness";
import { debuggablePromise, dropPromiseStacks, dropPromiseStacksIfSupported, promiseStack } from "../tools/promisestacks";
import { restoreSdkStacks } from "./setup-sdk";

describe("debuggable promises without stack traces", () => {
    it("are on in the test process (.mocharc.js loads test/setup-sdk.ts), and Error.stackTraceLimit is left as it was", async () => {
        const limit = Error.stackTraceLimit;
        const p = Promise.resolve(1);
        assert.equal(await debuggablePromise(p, "probe"), 1);
        assert.equal(promiseStack(p), "Error");
        assert.equal(Error.stackTraceLimit, limit);
        assert.match(new Error("still traced").stack ?? "", /promisestacks\.test\.ts/);
    });

    it("without it the SDK stores a trace on each promise; restore brings that back, a new drop removes it again", async () => {
        restoreSdkStacks();
        try {
            const p = Promise.resolve(2);
            await debuggablePromise(p, "probe");
            assert.match(promiseStack(p) ?? "", /^Error\n\s+at /);
        } finally {
            dropPromiseStacks();
        }
        const q = Promise.resolve(3);
        await debuggablePromise(q, "probe");
        assert.equal(promiseStack(q), "Error");
    });

    it("for pulumi up: an SDK without the internal is left as it is (false), never a failed deployment", () => {
        const mod = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: unknown };
        const current = mod.debuggablePromise;
        mod.debuggablePromise = undefined;
        try {
            assert.equal(dropPromiseStacksIfSupported(), false);
            assert.equal(mod.debuggablePromise, undefined, "nothing was installed");
        } finally {
            mod.debuggablePromise = current;
        }
    });

    it("a program still registers its resources and reports its errors with their stacks", async () => {
        const run = await runProgram(
            () => {
                const b = new aws.s3.Bucket("b");
                if (b) throw new Error("planted failure");
            },
            { stack: "test" },
        );
        assert.equal(run.error?.message, "planted failure");
        assert.match(run.error?.stack ?? "", /promisestacks\.test\.ts/);
        assert.deepEqual(
            run.resources.filter((r) => r.custom).map((r) => r.type),
            ["aws:s3/bucket:Bucket"],
        );
    });
});
