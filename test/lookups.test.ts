/**
 * Partition, account and region lookups (components/aws/lookups.ts): one call of each data source per
 * service, shared by its components, and no getRegion call when the region is known, without
 * changing any value the resources receive.
 */
import assert from "node:assert/strict";
import { Provider } from "@pulumi/aws/provider";
import type * as pulumi from "@pulumi/pulumi";
import { HaService } from "../components/aws/ha-service";
import type { HaServiceArgs } from "../components/config/ha-service-args";
import { byType, getResource, type ProgramRun, runProgram } from "../tools/harness";
import { HaMocks } from "../tools/mocks";
import { exampleRun } from "./examples";
import { stackConfig } from "./stacks";

const REGION = "aws:index/getRegion:getRegion";
const PARTITION = "aws:index/getPartition:getPartition";
const ACCOUNT = "aws:index/getCallerIdentity:getCallerIdentity";

const tokens = (run: ProgramRun) => run.calls.map((c) => c.token).sort();

/** The region the dev stack's health check follows, and the region its recover alarms act in. */
function regionsUsed(run: ProgramRun): { healthCheck: unknown; recover: string[] } {
    const check = getResource(run, "aws:route53/healthCheck:HealthCheck", "svc-dns-primary");
    const recover = byType(run, "aws:cloudwatch/metricAlarm:MetricAlarm")
        .flatMap((a) => (a.inputs.alarmActions as string[] | undefined) ?? [])
        .filter((arn) => arn.endsWith(":ec2:recover"));
    return { healthCheck: check.inputs.cloudwatchAlarmRegion, recover: [...new Set(recover)] };
}

/** Mocks whose getRegion answers `region` when the call goes to an explicit provider. */
class ProviderRegion extends HaMocks {
    constructor(private readonly providerRegion: string) {
        super();
    }
    override call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        const result = super.call(args);
        return args.token === REGION && args.provider ? { ...result, name: this.providerRegion, region: this.providerRegion } : result;
    }
}

/** The dev stack's service built by a consumer program, with `opts` and `config`. */
function consumer(config: Record<string, string>, withProvider: boolean, mocks?: HaMocks): Promise<ProgramRun> {
    const build = () => {
        const opts = withProvider ? { providers: { aws: new Provider("other", { region: "eu-west-1" }) } } : {};
        new HaService("svc", stackConfig("dev") as unknown as HaServiceArgs, opts);
        return {};
    };
    return runProgram(build, { stack: "dev", config, ...(mocks ? { mocks } : {}) });
}

describe("AWS lookups: each data source once per service, the region only when unknown", function () {
    this.timeout(120_000);

    it("an HA stack with aws:region calls getPartition and getCallerIdentity once each and getRegion never", async () => {
        const run = await exampleRun("dev");
        assert.deepEqual(tokens(run), [ACCOUNT, PARTITION]);
        assert.deepEqual(regionsUsed(run), { healthCheck: "us-east-1", recover: ["arn:aws:automate:us-east-1:ec2:recover"] });
    });

    it("a DR stack names the DR region in its DR resources without calling getRegion", async () => {
        const run = await exampleRun("ghes-dr");
        assert.deepEqual(tokens(run), [ACCOUNT, PARTITION]);
        const drPolicies = byType(run, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.name.includes("-dr-"));
        assert.ok(drPolicies.length > 0, "the DR nodes have a role policy");
        for (const p of drPolicies) {
            const policy = String(p.inputs.policy);
            assert.match(policy, /:ssm:us-west-2:/, p.name);
            assert.doesNotMatch(policy, /:ssm:us-east-1:/, p.name);
        }
    });

    it("asks once for the region when the stack config does not set aws:region", async () => {
        const run = await consumer({}, false, new HaMocks({ region: "ap-southeast-2" }));
        assert.equal(run.error, undefined);
        assert.deepEqual(tokens(run), [ACCOUNT, PARTITION, REGION]);
        assert.deepEqual(regionsUsed(run), {
            healthCheck: "ap-southeast-2",
            recover: ["arn:aws:automate:ap-southeast-2:ec2:recover"],
        });
    });

    it("asks the service's own AWS provider for the region, not aws:region, when it is given one", async () => {
        const run = await consumer({ "aws:region": "us-east-1" }, true, new ProviderRegion("eu-west-1"));
        assert.equal(run.error, undefined);
        assert.deepEqual(tokens(run), [ACCOUNT, PARTITION, REGION]);
        assert.ok(
            run.calls.every((c) => c.token !== REGION || c.inputs.region === undefined),
            "the provider's own region, not one passed in",
        );
        assert.deepEqual(regionsUsed(run), { healthCheck: "eu-west-1", recover: ["arn:aws:automate:eu-west-1:ec2:recover"] });
    });
});
