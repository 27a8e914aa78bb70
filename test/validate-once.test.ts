/**
 * The stack program validates its config once per run: index.ts validates it (errors in stack-file key
 * paths) and hands the spec to HaService with the args (`withValidatedSpec`), which then does not parse
 * the same config again.
 */
import assert from "node:assert/strict";
import { HaService, withValidatedSpec } from "../components/aws/ha-service";
import { loadSpec, readNamespace } from "../components/config";
import type { HaServiceArgs } from "../components/config/ha-service-args";
import { ConfigSchema } from "../components/config/schema";
import program = require("../index");
import { runProgram, type PulumiProgram } from "../tools/harness";
import { readStackFile } from "../tools/stackfile";
import * as pulumi from "@pulumi/pulumi";

/** Runs `p` on the dev stack and counts the schema validations it makes. */
async function validations(p: PulumiProgram): Promise<{ count: number; names: string[] }> {
    const schema = ConfigSchema as unknown as { safeParse: (raw: unknown) => unknown };
    const original = schema.safeParse;
    let count = 0;
    schema.safeParse = (raw: unknown) => {
        count++;
        return original.call(ConfigSchema, raw);
    };
    try {
        const run = await runProgram(p, { stack: "dev", config: readStackFile("dev") });
        if (run.error) throw run.error;
        return { count, names: run.resources.filter((r) => r.type === "aws:ec2/vpc:Vpc").map((r) => r.name) };
    } finally {
        schema.safeParse = original;
    }
}

describe("config validated once per program run", function () {
    this.timeout(120_000);

    it("the stack program parses its config once, not once in index.ts and again in HaService", async () => {
        assert.deepEqual(await validations(program), { count: 1, names: ["svc-net-vpc"] });
    });

    it("HaService validates args again when they come with the spec of another service name", async () => {
        const other = () => {
            const spec = loadSpec();
            const args = readNamespace(pulumi.runtime.allConfig(), spec.project) as unknown as HaServiceArgs;
            new HaService("git", withValidatedSpec(args, spec));
        };
        assert.deepEqual(await validations(other), { count: 2, names: ["git-net-vpc"] });
    });
});
