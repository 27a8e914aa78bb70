/**
 * Golden plans: the offline plan of every stack in stacks/ must equal its committed
 * test/golden/<stack>.json. A change to the program or a stack file that changes a plan fails here
 * with the changes listed; if the change is intended, `npm run plan:update` accepts it and the
 * pull request shows the reviewed diff of the golden file.
 */
import assert from "node:assert/strict";
import { estimateCost } from "../components/plan/cost";
import * as fs from "node:fs";
import type { PlanJson } from "../tools/plan";
import { comparablePlan, compareGolden, goldenFile, goldenStacks, UPDATE_COMMAND } from "../tools/golden";
import { DEFAULT_STACK_DIR, listStacks } from "../tools/stackfile";
import { exampleRun } from "./examples";
import { EXAMPLE_STACKS } from "./stacks";

describe("golden plans", () => {
    const stacks = listStacks(DEFAULT_STACK_DIR);

    it("there is at least one stack file", () => assert.ok(stacks.length > 0));

    // The example stacks must have a golden plan; a user's own stack is compared once it has one.
    for (const stack of stacks.filter((s) => EXAMPLE_STACKS.includes(s) || fs.existsSync(goldenFile(s)))) {
        it(`stack ${stack} plans as test/golden/${stack}.json`, async () => {
            const file = goldenFile(stack);
            assert.ok(fs.existsSync(file), `no golden plan for stack ${stack} (${file}): run \`${UPDATE_COMMAND}\``);
            const golden = JSON.parse(fs.readFileSync(file, "utf8")) as PlanJson;
            const changes = compareGolden(golden, comparablePlan(await exampleRun(stack)));
            if (changes.length > 0) {
                assert.fail(
                    `the plan of stack ${stack} changed; if intended, run \`${UPDATE_COMMAND}\` and commit test/golden/${stack}.json:\n  ${changes.join("\n  ")}`,
                );
            }
        });
    }

    it("has no golden plan without a stack file", () => {
        const orphans = goldenStacks().filter((s) => !stacks.includes(s));
        assert.deepEqual(orphans, [], `golden plans of stacks that no longer exist: run \`${UPDATE_COMMAND}\` to remove them`);
    });
});

describe("golden plan comparison", () => {
    const res = (name: string, ttl: number) => ({
        type: "aws:route53/record:Record",
        name,
        urn: `urn:pulumi:dev::ha-service::aws:route53/record:Record::${name}`,
        custom: true,
        summary: {},
        options: {
            ignoreChanges: [],
            replaceOnChanges: [],
            deleteBeforeReplace: false,
            dependencies: [],
            aliases: [],
            additionalSecretOutputs: [],
        },
        inputs: { ttl, records: ["10.0.0.1"] },
        secretPaths: [],
    });
    const doc = (resources: ReturnType<typeof res>[], primary = "node-1"): PlanJson => ({
        stack: "dev",
        project: "ha-service",
        primary,
        warnings: [],
        relaxations: [],
        preview: false,
        resources,
        outputs: {},
        secretOutputs: [],
        documents: [],
        cost: estimateCost([], "us-east-1"),
        counts: { resources: resources.length, aws: resources.length, cloud: resources.length },
    });

    it("lists new, removed and changed resources by name and field, then other fields", () => {
        const golden = doc([res("a", 60), res("b", 60)]);
        const current = doc([res("a", 30), res("c", 60)], "node-2");
        assert.deepEqual(compareGolden(golden, current), [
            "+ new resource aws:route53/record:Record c  (urn:pulumi:dev::ha-service::aws:route53/record:Record::c)",
            "- resource gone: aws:route53/record:Record b  (urn:pulumi:dev::ha-service::aws:route53/record:Record::b)",
            "~ a [aws:route53/record:Record] inputs.ttl: 60 -> 30",
            '~ primary: "node-1" -> "node-2"',
        ]);
        assert.deepEqual(compareGolden(golden, golden), []);
    });

    it("caps a long list", () => {
        const many = (ttl: number) => doc(Array.from({ length: 10 }, (_, i) => res(`r${i}`, ttl)));
        const lines = compareGolden(many(60), many(30), 4);
        assert.equal(lines.length, 5);
        assert.equal(lines[4], "... and 6 more");
    });
});
