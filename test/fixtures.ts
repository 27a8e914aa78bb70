/** Small valid configs to start each test from; tests change one thing and assert the effect. */
import { parseSpec, type StackSpec } from "../components/config";
import { planTopology, type TopologyPlan } from "../components/plan";
import type * as pulumi from "@pulumi/pulumi";
import { HaMocks } from "../tools/mocks";

export type Raw = Record<string, unknown>;

export function haConfig(overrides: Raw = {}): Raw {
    return {
        topology: "ha",
        nodeCount: 2,
        ami: "ami-0123456789abcdef0",
        network: { create: { cidr: "10.40.0.0/16", zones: ["us-east-1a", "us-east-1b"] } },
        access: { clientCidrs: ["10.0.0.0/8"], adminCidrs: ["10.20.0.0/16"] },
        dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com" },
        ...overrides,
    };
}

export const CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b";

export function clusterConfig(overrides: Raw = {}): Raw {
    return {
        topology: "cluster",
        ami: "ami-0123456789abcdef0",
        nodes: { "app-a": { zone: "us-east-1a" }, "app-b": { zone: "us-east-1b" }, "app-c": { zone: "us-east-1c" } },
        network: {
            vpcId: "vpc-0a1b2c3d4e5f60718",
            subnets: [
                { id: "subnet-0aaa1111bbbb2222a", zone: "us-east-1a" },
                { id: "subnet-0aaa1111bbbb2222b", zone: "us-east-1b" },
                { id: "subnet-0aaa1111bbbb2222c", zone: "us-east-1c" },
            ],
        },
        access: { clientCidrs: ["10.0.0.0/8"] },
        loadBalancer: { kind: "alb", certificateArn: CERT },
        dns: { zoneId: "Z0123456789TESTZONE", name: "svc.test.example.com" },
        ...overrides,
    };
}

export function spec(raw: Raw, stack = "test"): StackSpec {
    return parseSpec(raw, { project: "ha-service", stack });
}

export function plan(raw: Raw, stack = "test"): TopologyPlan {
    return planTopology(spec(raw, stack));
}

/** Raw config as Pulumi hands it to the program: `ha-service:<key>` -> string (JSON for non-strings). */
export function asPulumiConfig(raw: Raw, extra: Record<string, string> = { "aws:region": "us-east-1" }): Record<string, string> {
    const out: Record<string, string> = { ...extra };
    for (const [k, v] of Object.entries(raw)) out[`ha-service:${k}`] = typeof v === "string" ? v : JSON.stringify(v);
    return out;
}
/** HaMocks whose StackReference to the stack itself returns `nodes` of a previous deployment. */
export class PreviousDeployment extends HaMocks {
    /** The name of every StackReference the program read, in order. */
    readonly references: string[] = [];
    constructor(private readonly nodes: readonly string[] | undefined) {
        super();
    }
    override newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        if (args.type !== "pulumi:pulumi:StackReference") return super.newResource(args);
        this.references.push(args.name);
        const outputs = this.nodes ? { nodes: Object.fromEntries(this.nodes.map((n) => [n, { privateIp: "10.0.0.1" }])) } : {};
        return { id: String(args.inputs.name), state: { ...args.inputs, outputs, secretOutputNames: [] } };
    }
}
