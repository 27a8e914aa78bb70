/**
 * Smoke test of the policy pack under Pulumi's own runner, without the Pulumi CLI:
 *
 *   npm run policy:smoke [-- <stack>]
 *
 * starts `@pulumi/pulumi/cmd/run-policy-pack` in policy/ the way the CLI's Node.js language host
 * does for `pulumi preview --policy-pack policy`, then, over the analyzer gRPC protocol, lists the
 * pack's policies, analyses every resource of the stack's offline run (default `dev`) and the stack
 * as a whole, and one deliberately insecure instance. Exits non-zero when the pack does not load,
 * lists other policies than policy/policies.ts, flags the example stack, or misses the insecure one.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { policies } from "../policy/policies";
import { runMain } from "./cli";
import { type ProgramRun, runProgram } from "./harness";
import { loadProgram } from "./plan";
import { readStackFile } from "./stackfile";

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
const grpc = require("@grpc/grpc-js");
const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const pb = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const { Empty } = require("google-protobuf/google/protobuf/empty_pb");

const POLICY_DIR = path.join(__dirname, "..", "policy");
const STARTUP_LIMIT_MS = 120_000;

interface Diagnostic {
    policy: string;
    level: number;
    message: string;
    urn: string;
}

/** Plain JSON (no undefined), as the engine marshals properties. */
const json = (v: unknown): Record<string, unknown> => JSON.parse(JSON.stringify(v ?? {})) as Record<string, unknown>;

function options(protect: boolean): any {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(protect);
    return o;
}

function analyzerResource(r: { type: string; urn: string; name: string; parent?: string; protect?: boolean }, props: unknown): any {
    const a = new pb.AnalyzerResource();
    a.setType(r.type);
    a.setUrn(r.urn);
    a.setName(r.name);
    a.setProperties(Struct.fromJavaScript(json(props)));
    a.setOptions(options(r.protect ?? false));
    if (r.parent) a.setParent(r.parent);
    return a;
}

function diagnostics(resp: any): Diagnostic[] {
    return resp.getDiagnosticsList().map((d: any) => ({
        policy: d.getPolicyname(),
        level: d.getEnforcementlevel(),
        message: d.getMessage(),
        urn: d.getUrn(),
    }));
}

const call = <T>(client: any, method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));

/** Starts the runner; resolves with its port and a stop function once it prints the port. */
function startPack(): Promise<{ port: string; stop(): void }> {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [POLICY_DIR] });
    // The engine address is only used for logging by the runner; the pack serves on its own port.
    const child = spawn(process.execPath, [runner, "127.0.0.1:0", POLICY_DIR], { cwd: POLICY_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    return new Promise((resolve, reject) => {
        let stdout = "";
        // Loading the pack takes seconds; a pack that neither serves nor exits must not hang CI.
        const guard = setTimeout(() => {
            child.kill();
            reject(new Error(`the policy pack printed no port within ${STARTUP_LIMIT_MS / 1000} s:\n${stdout}${stderr}`));
        }, STARTUP_LIMIT_MS);
        child.stdout.on("data", (d: Buffer) => {
            stdout += d.toString();
            const line = stdout.split("\n")[0];
            if (stdout.includes("\n") && /^\d+$/.test(line.trim())) {
                clearTimeout(guard);
                resolve({ port: line.trim(), stop: () => child.kill() });
            }
        });
        child.on("exit", (code) => {
            clearTimeout(guard);
            reject(new Error(`the policy pack exited (${code}) before serving:\n${stdout}${stderr}`));
        });
    });
}

export async function smoke(run: ProgramRun): Promise<string[]> {
    const failures: string[] = [];
    const pack = await startPack();
    const client = new AnalyzerClient(`127.0.0.1:${pack.port}`, grpc.credentials.createInsecure());
    try {
        const info: any = await call(client, "getAnalyzerInfo", new Empty());
        const served = info.getPoliciesList().map((p: any) => p.getName() as string);
        const expected = policies.map((p) => p.name);
        if (JSON.stringify([...served].sort()) !== JSON.stringify([...expected].sort()))
            failures.push(`the pack serves ${served.join(", ")}; policy/policies.ts defines ${expected.join(", ")}`);

        const found: Diagnostic[] = [];
        for (const r of run.resources) {
            const req = new pb.AnalyzeRequest();
            req.setType(r.type);
            req.setUrn(r.urn);
            req.setName(r.name);
            req.setProperties(Struct.fromJavaScript(json(r.inputs)));
            req.setOptions(options(r.protect ?? false));
            found.push(...diagnostics(await call(client, "analyze", req)));
        }
        const stackReq = new pb.AnalyzeStackRequest();
        stackReq.setResourcesList(
            run.resources.map((r) => analyzerResource(r, r.type === "pulumi:pulumi:Stack" ? run.outputs : (r.state ?? r.inputs))),
        );
        found.push(...diagnostics(await call(client, "analyzeStack", stackReq)));
        for (const d of found) failures.push(`stack ${run.stack}: ${d.policy} on ${d.urn || "the stack"}: ${d.message}`);

        const bad = new pb.AnalyzeRequest();
        bad.setType("aws:ec2/instance:Instance");
        bad.setUrn("urn:pulumi:smoke::ha-service::aws:ec2/instance:Instance::insecure");
        bad.setName("insecure");
        bad.setProperties(Struct.fromJavaScript({ metadataOptions: { httpTokens: "optional" }, associatePublicIpAddress: true }));
        bad.setOptions(options(false));
        const flagged = new Set(diagnostics(await call(client, "analyze", bad)).map((d) => d.policy));
        for (const p of ["ec2-imdsv2-required", "ec2-no-public-ip", "ec2-root-volume-encrypted", "ec2-instance-profile"])
            if (!flagged.has(p)) failures.push(`the insecure instance was not flagged by ${p}`);
    } finally {
        client.close();
        pack.stop();
    }
    return failures;
}

export async function main(argv: readonly string[]): Promise<number> {
    const stack = argv[0] ?? "dev";
    const run = await runProgram(loadProgram(), { stack, config: readStackFile(stack) });
    if (run.error) throw run.error;
    const failures = await smoke(run);
    process.stdout.write(
        failures.length
            ? `${failures.map((f) => `FAIL ${f}`).join("\n")}\n`
            : `policy pack served ${policies.length} policies under Pulumi's runner; stack ${stack} passed, the insecure instance was flagged\n`,
    );
    return failures.length ? 1 : 0;
}

if (require.main === module) runMain(main);
