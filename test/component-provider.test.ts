/**
 * Any Pulumi language (issue 14, point 3): the SDK's ComponentProvider, run offline on this package,
 * infers a schema that lists HaService with every input (as the config schema has it, at every depth)
 * and every output, and its `construct` under the mock runtime registers the same resources, with the
 * same inputs, as the stack program. The YAML example's properties are checked against the inferred schema.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ComponentProvider } from "@pulumi/pulumi/provider/experimental";
import ts from "typescript";
import { parse } from "yaml";
import type { z } from "zod";
import { parseSpec } from "../components/config";
import { HA_SERVICE_OUTPUTS, HaService } from "../components/aws/ha-service";
import { HA_SERVICE_TYPE } from "../components/config/ha-service-args";
import { ConfigSchema } from "../components/config/schema";
import { runProgram } from "../tools/harness";
import { engineUrns } from "../tools/urns";
import { cloudRegistrations, exampleRun } from "./examples";
import { type PackageEntries, schemaSourcesMissing } from "./plugin-sources";
import { stackConfig } from "./stacks";

const ROOT = path.join(__dirname, "..");
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { name: string } & PackageEntries;

/** Provider name and namespace as the Node.js language host derives them from package.json (cmd/run-plugin). */
function providerIdentity(name: string): { name: string; namespace?: string } {
    const m = /(@.*?\/)?(.+)/.exec(name)!;
    return { name: m[2].replace(/[^-a-zA-Z0-9_]/g, "-"), ...(m[1] ? { namespace: m[1].slice(1, -1) } : {}) };
}

interface Prop {
    type?: string;
    $ref?: string;
    items?: Prop;
    additionalProperties?: Prop;
    optional?: boolean;
}
interface TypeSpec {
    type: string;
    properties?: Record<string, Prop>;
    required?: string[];
    enum?: { value: string | number }[];
}
interface Schema {
    resources: Record<
        string,
        { isComponent: boolean; inputProperties: Record<string, Prop>; requiredInputs: string[]; properties: Record<string, Prop> }
    >;
    types: Record<string, TypeSpec>;
}

type Zod = z.core.$ZodType;
/** The zod type under optional/default wrappers. */
function unwrap(t: Zod): Zod {
    const def = t._zod.def as { type: string; innerType?: Zod };
    return (def.type === "optional" || def.type === "default") && def.innerType ? unwrap(def.innerType) : t;
}
const isRequired = (t: Zod) => !["optional", "default"].includes((t._zod.def as { type: string }).type);

/** Differences between an inferred schema property and the zod type of the same key, as readable lines. */
function compare(schema: Schema, prop: Prop, zodType: Zod, at: string): string[] {
    const t = unwrap(zodType);
    const def = t._zod.def as Record<string, unknown> & { type: string };
    const ref = prop.$ref ? schema.types[prop.$ref.replace("#/types/", "")] : undefined;
    switch (def.type) {
        case "object": {
            const shape = def.shape as Record<string, Zod>;
            if (!ref?.properties) return [`${at}: expected an object type, got ${JSON.stringify(prop)}`];
            const out: string[] = [];
            if (Object.keys(ref.properties).sort().join() !== Object.keys(shape).sort().join())
                out.push(`${at}: keys ${Object.keys(ref.properties).sort().join()} vs schema ${Object.keys(shape).sort().join()}`);
            const required = Object.keys(shape).filter((k) => isRequired(shape[k]));
            if ((ref.required ?? []).sort().join() !== required.sort().join()) out.push(`${at}: required ${ref.required} vs ${required}`);
            for (const k of Object.keys(shape))
                if (ref.properties[k]) out.push(...compare(schema, ref.properties[k], shape[k], `${at}.${k}`));
            return out;
        }
        case "record":
            return prop.type === "object" && prop.additionalProperties
                ? compare(schema, prop.additionalProperties, def.valueType as Zod, `${at}[*]`)
                : [`${at}: expected a map`];
        case "array":
            return prop.type === "array" && prop.items
                ? compare(schema, prop.items, def.element as Zod, `${at}[]`)
                : [`${at}: expected a list`];
        case "enum":
        case "literal": {
            const values = def.type === "enum" ? Object.values(def.entries as Record<string, string>) : (def.values as unknown[]);
            const got = ref?.enum?.map((e) => e.value);
            const same = JSON.stringify(got?.map(String).sort()) === JSON.stringify(values.map(String).sort());
            return same ? [] : [`${at}: enum ${JSON.stringify(got)} vs ${JSON.stringify(values)}`];
        }
        case "string":
        case "number":
        case "boolean":
            return prop.type === def.type ? [] : [`${at}: ${prop.type ?? prop.$ref} vs ${def.type}`];
        default:
            return [`${at}: zod type ${def.type} not compared`];
    }
}

describe("component provider (PulumiPlugin.yaml): the inferred schema", function () {
    this.timeout(180_000);
    let schema: Schema;
    let provider: ComponentProvider;

    before(async () => {
        provider = new ComponentProvider({ ...providerIdentity(pkg.name), dirname: ROOT, components: [HaService] });
        schema = JSON.parse(await provider.getSchema()) as Schema;
    });

    it("is served from this package: PulumiPlugin.yaml says nodejs, and the type token's package is package.json's name", () => {
        assert.deepEqual(parse(fs.readFileSync(path.join(ROOT, "PulumiPlugin.yaml"), "utf8")), { runtime: "nodejs" });
        assert.deepEqual(
            schemaSourcesMissing(pkg, (f) => fs.existsSync(path.join(ROOT, f))),
            [],
            "test/plugin-sources.ts says the repository has what the schema was inferred from",
        );
        assert.equal(HA_SERVICE_TYPE, `${providerIdentity(pkg.name).name}:index:HaService`);
        assert.deepEqual(Object.keys(schema.resources), [HA_SERVICE_TYPE]);
        assert.equal(schema.resources[HA_SERVICE_TYPE].isComponent, true);
    });

    it("is inferred from a Node program: tsconfig.json's lib has no DOM (no browser global type-checks; the SDK's analyzer and tsc parse 1.9 MB less)", () => {
        const file = ts.readConfigFile(path.join(ROOT, "tsconfig.json"), ts.sys.readFile);
        const parsed = ts.parseJsonConfigFileContent(file.config, ts.sys, ROOT);
        assert.deepEqual(parsed.errors, []);
        assert.deepEqual(parsed.options.lib, ["lib.es2022.d.ts"], "ES2022 alone: the default lib of target ES2022 adds the DOM's");
        assert.equal(parsed.options.target, ts.ScriptTarget.ES2022);
    });

    it("lists every input of the config schema with its type, enums, maps, lists and required keys, at every depth", () => {
        const r = schema.resources[HA_SERVICE_TYPE];
        const top = { $ref: "#/types/__args" };
        schema.types.__args = { type: "object", properties: r.inputProperties, required: r.requiredInputs };
        assert.deepEqual(compare(schema, top, ConfigSchema, "args"), []);
        assert.deepEqual(r.requiredInputs.sort(), ["access", "ami", "dns", "network", "topology"]);
        assert.deepEqual(
            schema.types[`ha-topologies:index:Topology`].enum?.map((e) => e.value),
            ["ha", "cluster"],
        );
    });

    it("lists every output with its type", () => {
        const props = schema.resources[HA_SERVICE_TYPE].properties;
        assert.deepEqual(Object.keys(props).sort(), [...HA_SERVICE_OUTPUTS].sort());
        const node = schema.types["ha-topologies:index:NodeOutput"];
        assert.deepEqual(Object.keys(node.properties!).sort(), ["instanceId", "privateIp", "role", "zone"]);
        assert.equal(props.nodes.additionalProperties?.$ref, "#/types/ha-topologies:index:NodeOutput");
        for (const k of ["instanceIds", "privateIps", "securityGroupIds", "targetGroupArns", "replicationDocuments"])
            assert.equal(props[k].additionalProperties?.type, "string", k);
        for (const k of ["endpoint", "dnsName", "loadBalancerArn", "loadBalancerDnsName", "alarmTopicArn"])
            assert.equal(props[k].type, "string", k);
        assert.equal(props.failoverAnalysis.$ref, "pulumi.json#/Any");
    });

    for (const stack of ["dev", "ghes-cluster"]) {
        it(`construct under the mock runtime registers the resources of example stack ${stack}`, async () => {
            const raw = stackConfig(stack);
            const run = await runProgram(
                async () => {
                    const result = await provider.construct(String(raw.name ?? "svc"), HA_SERVICE_TYPE, raw, {});
                    return { urn: result.urn };
                },
                { stack, config: { "aws:region": "us-east-1" } },
            );
            assert.equal(run.error, undefined, String(run.error));
            const expected = await exampleRun(stack);
            assert.deepEqual(engineUrns(run), engineUrns(expected));
            assert.deepEqual(cloudRegistrations(run), cloudRegistrations(expected));
        });
    }

    describe("the YAML example (examples/yaml-ha-service; cannot run here)", () => {
        const program = parse(fs.readFileSync(path.join(ROOT, "examples", "yaml-ha-service", "Pulumi.yaml"), "utf8")) as {
            runtime: string;
            packages: Record<string, string>;
            resources: Record<string, { type: string; properties: Record<string, unknown> }>;
        };
        const git = program.resources.git;

        /** Keys the value sets that the schema property does not have. */
        function unknownKeys(prop: Prop, value: unknown, at: string): string[] {
            const ref = prop.$ref ? schema.types[prop.$ref.replace("#/types/", "")] : undefined;
            if (Array.isArray(value)) return value.flatMap((v, i) => unknownKeys(prop.items ?? {}, v, `${at}[${i}]`));
            if (value === null || typeof value !== "object") return [];
            const entries = Object.entries(value as Record<string, unknown>);
            if (prop.additionalProperties) return entries.flatMap(([k, v]) => unknownKeys(prop.additionalProperties!, v, `${at}.${k}`));
            if (!ref?.properties) return [`${at}: not an object in the schema`];
            return entries.flatMap(([k, v]) => (ref.properties![k] ? unknownKeys(ref.properties![k], v, `${at}.${k}`) : [`${at}.${k}`]));
        }

        it("uses this package by path and the type the schema lists", () => {
            assert.equal(program.runtime, "yaml");
            assert.equal(path.resolve(ROOT, "examples", "yaml-ha-service", program.packages["ha-topologies"]), ROOT);
            assert.equal(git.type, HA_SERVICE_TYPE);
        });

        it("sets only inputs of the inferred schema, and every required one", () => {
            const r = schema.resources[HA_SERVICE_TYPE];
            assert.deepEqual(unknownKeys({ additionalProperties: undefined, $ref: "#/types/__yaml" }, git.properties, "properties"), []);
            for (const k of r.requiredInputs) assert.ok(k in git.properties, `required input ${k} is missing`);
        });

        it("passes the same validation a stack file does", () => {
            assert.doesNotThrow(() => parseSpec(git.properties, { project: "git-platform", stack: "dev", region: "eu-west-1" }));
        });

        before(() => {
            const r = schema.resources[HA_SERVICE_TYPE];
            schema.types.__yaml = { type: "object", properties: r.inputProperties };
        });
    });
});
