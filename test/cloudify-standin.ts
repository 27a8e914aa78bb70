/**
 * Runs the cloudify profile's rendered node scripts with bash against the stand-ins in
 * test/standin/cloudify (a `cfy`, `curl`, `aws` and `systemctl` that record their calls and enforce
 * Cloudify's documented rules), one state directory per manager, as the managers would.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson, renderNodeScript, resolveAddresses, type NodeDocument, type TopologyPlan } from "../components/plan";
import { getProfile } from "../components/profiles";
import { restoreDir, saveDir } from "./dirstate";
import { NO_STDIN } from "./processes";

export const STANDIN_BIN = join(__dirname, "standin", "cloudify");
export const PASSWORD = "s3cret-join-secret";
/** The bucket name `pulumi up` would have written to the snapshot-bucket parameter. */
export const ARCHIVE_BUCKET = "cfy-snapshots-0123abc";

export interface Manager {
    readonly name: string;
    up: boolean;
    version: string;
    password: string;
    cluster: string | null;
    empty: boolean;
}

export interface World {
    managers: Record<string, Manager>;
    clusters: Record<string, { active: string; members: Record<string, string>; startedBy: string }>;
    parameters: Record<string, string>;
    profiles: Record<string, string>;
    units: Record<string, Record<string, { enabled: boolean; running: boolean; restarts?: number; path: string }>>;
    s3?: Record<string, Record<string, string>>;
    snapshots?: Record<string, Record<string, string>>;
}

export interface Call {
    readonly tool: string;
    readonly self: string;
    readonly argv: readonly string[];
    readonly profile?: string;
}

/** A lab's state at one moment: a copy of its directory and which instance each node runs. */
export interface LabSnapshot {
    /** The copy of the lab's directory (remove it when done). */
    readonly dir: string;
    readonly addresses: Readonly<Record<string, string>>;
    readonly stateDirs: Readonly<Record<string, string>>;
    readonly instances: number;
}

export class Lab {
    readonly dir = mkdtempSync(join(tmpdir(), "cfy-lab-"));
    /** Per node, the address of its current instance. */
    readonly addresses: Record<string, string> = {};
    /** Per node, the state directory of its current instance (a replacement gets a fresh one). */
    readonly stateDirs: Record<string, string> = {};
    private instances = 0;
    /**
     * The lab's stand-in broker (test/standin/cloudify/broker.py) and its port: one Python that forks
     * a child per stand-in call instead of a Python start per call (about 30 ms of CPU each). `close`
     * stops it and waits for it, so the test process counts its CPU time; nothing outlives the run.
     */
    private readonly broker: { process: ChildProcess; port: string; dir: string };

    /** The stack's parameters as `pulumi up` leaves them: the cluster state and the profile's assets. */
    constructor(plan: TopologyPlan) {
        const parameters: Record<string, string> = Object.fromEntries(plan.replication.assets.map((a) => [a.parameter, a.content]));
        const state = plan.replication.clusterState;
        if (state) parameters[state.parameter] = state.initial;
        if (plan.snapshotArchive) parameters[plan.snapshotArchive.bucketParameter] = ARCHIVE_BUCKET;
        this.save({ managers: {}, clusters: {}, parameters, profiles: {}, units: {} });
        writeFileSync(join(this.dir, "calls.jsonl"), "");
        this.broker = startBroker();
    }

    /** Stops the lab's stand-in broker and waits until it has exited (its calls finished). */
    async close(): Promise<void> {
        const { process: child, dir } = this.broker;
        if (child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child.once("exit", resolve));
            child.kill();
            await exited;
        }
        rmSync(dir, { recursive: true, force: true });
    }

    world(): World {
        return JSON.parse(readFileSync(join(this.dir, "world.json"), "utf8")) as World;
    }

    save(w: World): void {
        writeFileSync(join(this.dir, "world.json"), JSON.stringify(w));
    }

    calls(): Call[] {
        return readFileSync(join(this.dir, "calls.jsonl"), "utf8")
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Call);
    }

    /**
     * Its state now, to go back to with `restore` (test/dirstate.ts): a test file boots and bootstraps
     * the managers once and each test starts from a copy of that state.
     */
    snapshot(): LabSnapshot {
        return { dir: saveDir(this.dir), addresses: { ...this.addresses }, stateDirs: { ...this.stateDirs }, instances: this.instances };
    }

    /** Puts the lab back in the state of `s` (taken from this lab): its files, instances and addresses. */
    restore(s: LabSnapshot): void {
        restoreDir(s.dir, this.dir);
        for (const k of Object.keys(this.addresses)) delete this.addresses[k];
        for (const k of Object.keys(this.stateDirs)) delete this.stateDirs[k];
        Object.assign(this.addresses, s.addresses);
        Object.assign(this.stateDirs, s.stateDirs);
        this.instances = s.instances;
    }

    /** A fresh, empty Cloudify manager instance for `node` (first boot or a replacement). */
    boot(node: string, version = "4.6"): string {
        this.instances += 1;
        const ip = `10.1.${this.instances}.${10 + this.instances}`;
        const w = this.world();
        w.managers[ip] = { name: node, up: true, version, password: PASSWORD, cluster: null, empty: true };
        this.save(w);
        this.addresses[node] = ip;
        const stateDir = join(this.dir, `state-${this.instances}`);
        mkdirSync(stateDir, { mode: 0o700 });
        // What the apply script fetches from the SecureString before it runs the node's script.
        writeFileSync(join(stateDir, "join-secret"), `${PASSWORD}\n`, { mode: 0o600 });
        this.stateDirs[node] = stateDir;
        return ip;
    }

    /** The instance of `node` stops; if it was active, the other managers elect another. */
    lose(node: string): void {
        const w = this.world();
        const ip = this.addresses[node];
        const m = w.managers[ip];
        m.up = false;
        const c = m.cluster === null ? undefined : w.clusters[m.cluster];
        if (c && c.active === node) {
            const next = Object.entries(c.members).find(([name, mip]) => name !== node && w.managers[mip]?.up);
            if (next) c.active = next[0];
        }
        this.save(w);
    }

    /** The script `node` receives from `plan`, rendered for its state directory, addresses resolved. */
    script(plan: TopologyPlan, node: string): string {
        const d = plan.replication.documents.find((x) => x.node === node);
        if (!d) throw new Error(`no document for ${node}`);
        const stateDir = this.stateDirs[node];
        const doc = JSON.parse(resolveAddresses(canonicalJson(d.document), this.addresses)) as NodeDocument;
        const ctx = {
            stateDir,
            clusterStateParameter: plan.replication.clusterState?.parameter,
            ...(plan.snapshotArchive ? { snapshotArchive: plan.snapshotArchive } : {}),
        };
        const profile = getProfile(plan.profile);
        // The plan's assets, at this instance's state directory (their content does not depend on it).
        const assets = (profile.assets?.(ctx) ?? []).map((f) => {
            const planned = plan.replication.assets.find((a) => a.content === f.content);
            if (!planned) throw new Error(`asset ${f.path} differs from the plan's`);
            return { ...planned, path: f.path };
        });
        return renderNodeScript(profile.render(doc, ctx), { node, stateDir, assets });
    }

    /** Runs `node`'s script with bash on its instance; resolves with the exit code and output. */
    run(plan: TopologyPlan, node: string): Promise<{ node: string; code: number | null; output: string }> {
        const file = join(this.stateDirs[node], "node-config.sh");
        writeFileSync(file, this.script(plan, node));
        return this.exec(node, ["bash", file]);
    }

    /** Runs a command on `node`'s instance (stand-ins first on PATH). */
    exec(node: string, argv: readonly string[]): Promise<{ node: string; code: number | null; output: string }> {
        return new Promise((resolve) => {
            const child = spawn(argv[0], argv.slice(1), {
                stdio: NO_STDIN,
                env: {
                    ...process.env,
                    PATH: `${STANDIN_BIN}:${process.env.PATH ?? ""}`,
                    STANDIN_WORLD: this.dir,
                    STANDIN_SELF: this.addresses[node],
                    STANDIN_BROKER: this.broker.port,
                },
            });
            let output = "";
            child.stdout.on("data", (b: Buffer) => (output += b.toString()));
            child.stderr.on("data", (b: Buffer) => (output += b.toString()));
            child.on("close", (code) => resolve({ node, code, output }));
        });
    }
}

/** Starts a stand-in broker and waits (at most 30 s) until it listens. */
function startBroker(): { process: ChildProcess; port: string; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), "cfy-broker-"));
    const portFile = join(dir, "port");
    const child = spawn(join(STANDIN_BIN, "broker.py"), [portFile], { stdio: "ignore" });
    // A test file that never closes its lab: the broker goes with the test process (one listener per
    // broker still running, not one per lab ever started).
    const killAtExit = () => child.kill();
    process.once("exit", killAtExit);
    child.once("exit", () => process.removeListener("exit", killAtExit));
    const deadline = Date.now() + 30_000;
    while (!existsSync(portFile)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error("the stand-in broker (broker.py) did not start");
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
    return { process: child, port: readFileSync(portFile, "utf8"), dir };
}
