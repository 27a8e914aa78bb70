/**
 * GHES HA as an appliance receives it: the rendered node scripts of a ghes HA plan run with bash
 * against stand-in appliances (test/standin/ghes: ghe-* commands, the Manage API behind a stand-in
 * curl, SSM behind a stand-in aws), in the order real events happen. Each stand-in records its call
 * and enforces GitHub's documented precondition, so a missing or misplaced step fails the run.
 *
 * Paths in the scripts are pointed at a temporary directory per node: the user data volume
 * (/data/...) and the root filesystem (everything else, such as /etc/ha-service) separately, so a
 * test can wipe the root filesystem as a GHES upgrade does.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseSpec } from "../components/config";
import { APPLY_SCRIPT_PATH, resolveAddresses, STATE_DIR, type TopologyPlan } from "../components/plan";
import { GHES_STATE_DIR, seedReplica } from "../components/profiles/ghes";
import { licenseParameter, passwordParameter } from "../components/profiles/ghes-manage";
import { failoverLines } from "../tools/failover";
import { plan, type Raw } from "./fixtures";
import { restoreDir, saveDir } from "./dirstate";
import { stackConfig } from "./stacks";
import { NO_STDIN } from "./processes";

const STANDIN = resolve(__dirname, "standin", "ghes");
const NODES = ["ghe-1", "ghe-2", "ghe-3", "ghe-4"] as const;
type Node = (typeof NODES)[number];
const ADDRESS: Record<Node, string> = { "ghe-1": "10.50.1.11", "ghe-2": "10.50.2.12", "ghe-3": "10.50.1.13", "ghe-4": "10.50.2.14" };
const SECRET = "Js8dQ2kLw9ZxT4vB7nM1cR6yH3pF0aGe5uWiOoPl";
/** The operator's Manage API password (SSM SecureString), which is not the join secret. */
const PASSWORD = 'Mp4"wQ\\z8Lk2 Vb7-nR1';
const LICENSE = "GHL license for the stand-in\n";

/** The ghes-ha example stack with four nodes (a primary and three replicas) and any overrides. */
function ghesPlan(overrides: Raw = {}): TopologyPlan {
    const nodes = Object.fromEntries(NODES.map((n, i) => [n, { zone: i % 2 === 0 ? "us-east-1a" : "us-east-1b" }]));
    return plan(stackConfig("ghes-ha", { nodes, ...overrides }), "ghes-ha");
}

describe("GHES HA on stand-in appliances (rendered node scripts run by bash)", function () {
    this.timeout(60_000);
    /** The stand-in world of the test that runs: one directory, emptied and set up fresh before each test. */
    let dir: string;
    /** The world after `bootstrapped()`'s bootstrap (test/dirstate.ts). */
    let bootstrappedWorld: string;
    const fresh = () => {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(join(dir, "net", "ssm"), { recursive: true });
        writeFileSync(join(dir, "net", "ssm", "license"), LICENSE);
        mkdirSync(join(dir, "net", "ssm", "params"));
        writeFileSync(join(dir, "net", "log"), "");
    };
    before(() => {
        dir = mkdtempSync(join(tmpdir(), "ghes-ha-"));
        fresh();
        for (const n of NODES) assert.equal(apply(ghesPlan(), n).status, 0, n);
        bootstrappedWorld = saveDir(dir);
    });
    beforeEach(fresh);
    after(() => {
        for (const d of [dir, bootstrappedWorld]) rmSync(d, { recursive: true, force: true });
    });

    const net = () => join(dir, "net");
    const host = (node: Node) => join(net(), "hosts", ADDRESS[node]);
    const dataDir = (node: Node) => join(dir, node, "data");
    const rootDir = (node: Node) => join(dir, node, "root");
    const stateDir = (node: Node) => join(dataDir(node), GHES_STATE_DIR.replace(/^\/data\//, ""));
    const log = () => readFileSync(join(net(), "log"), "utf8").split("\n").filter(Boolean);
    const state = (node: Node, file: string) => {
        const path = join(host(node), file);
        return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
    };
    const role = (node: Node) => {
        const path = join(stateDir(node), "ghes-role");
        return existsSync(path) ? readFileSync(path, "utf8").trim() : undefined;
    };
    /** A bin directory of the stand-ins whose ghe-repl-teardown fails (after ghe-repl-stop has stopped replication). */
    const teardownFails = (): string => {
        const bin = join(dir, "bin-teardown-fails");
        mkdirSync(bin);
        for (const f of readdirSync(STANDIN).filter((f) => f !== "ghe-repl-teardown")) symlinkSync(join(STANDIN, f), join(bin, f));
        writeFileSync(join(bin, "ghe-repl-teardown"), "#!/bin/bash\necho 'teardown failed' >&2\nexit 1\n", { mode: 0o755 });
        return bin;
    };
    /** The addresses of the replicas in `node`'s HA configuration, in the order they were added. */
    const members = (node: Node) =>
        state(node, "members")!
            .split("\n")
            .map((l) => l.split(" ")[1]);
    const down = (node: Node) => writeFileSync(join(host(node), "down"), "");
    const up = (node: Node) => rmSync(join(host(node), "down"), { force: true });

    /** The node's script from the plan, its addresses resolved and its paths in the node's temp dirs. */
    function scriptOf(p: TopologyPlan, node: Node, rendered?: string): string {
        // A DR stack keeps its DR nodes' documents in `dr.replication` (their parameters live in the DR region).
        const d = [...p.replication.documents, ...(p.dr?.replication.documents ?? [])].find((x) => x.node === node)!;
        return resolveAddresses(rendered ?? d.script, ADDRESS)
            .replaceAll("/data/", `${dataDir(node)}/`)
            .replaceAll(`${STATE_DIR}/`, `${rootDir(node)}${STATE_DIR}/`)
            .replaceAll(`'${STATE_DIR}'`, `'${rootDir(node)}${STATE_DIR}'`);
    }

    /**
     * Runs the node's configuration as the apply script would: join secret fetched first, then the script
     * (`rendered`: a script another version of this package rendered for the node, instead of the plan's).
     */
    function apply(
        p: TopologyPlan,
        node: Node,
        bin = STANDIN,
        withPassword = true,
        rendered?: string,
    ): { status: number | null; calls: string[]; passwordReads: number; stderr: string } {
        const param = (name: string) => join(net(), "ssm", "params", name.replaceAll("/", "_"));
        writeFileSync(param(licenseParameter(p.replication.secretParameter)), `${Buffer.from(LICENSE).toString("base64")}\n`);
        if (withPassword) writeFileSync(param(passwordParameter(p.replication.secretParameter)), `${PASSWORD}\n`);
        const before = log().length;
        const script = scriptOf(p, node, rendered);
        const state = script.match(/^(?:rec|record)='(.*)\/applied-steps'$/m)![1];
        mkdirSync(state, { recursive: true, mode: 0o700 });
        writeFileSync(join(state, "join-secret"), `${SECRET}\n`, { mode: 0o600 });
        const file = join(dir, `${node}.sh`);
        writeFileSync(file, script);
        const r = spawnSync("bash", [file], {
            stdio: NO_STDIN,
            encoding: "utf8",
            env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, GHES_STANDIN_NET: net(), GHES_STANDIN_SELF: ADDRESS[node] },
        });
        const all = log()
            .slice(before)
            .map((l) => l.replace(/^\S+ /, ""));
        // Each helper step that calls the Manage API reads the password once (asserted on its own below).
        const read = PASSWORD_READ(p);
        const calls = all.filter((c) => c !== read);
        return { status: r.status, calls, passwordReads: all.length - calls.length, stderr: r.stderr };
    }

    /**
     * What the node's SSM association runs (the apply document's commands, `{{ node }}` filled in as
     * SSM does, run with sh), its paths in the node's temp dirs; the stand-in aws serves the node's
     * document and script (Strings) and the join secret. Returns the calls, as `apply` does.
     */
    function associate(p: TopologyPlan, node: Node): { status: number | null; calls: string[]; stderr: string } {
        const d = p.replication.documents.find((x) => x.node === node)!;
        const file = (dirName: string, name: string) => join(net(), "ssm", dirName, name.replaceAll("/", "_"));
        mkdirSync(join(net(), "ssm", "plain"), { recursive: true });
        writeFileSync(file("plain", d.parameter), "{}\n");
        writeFileSync(file("plain", d.configParameter), scriptOf(p, node));
        writeFileSync(file("params", p.replication.secretParameter), `${SECRET}\n`);
        writeFileSync(file("params", passwordParameter(p.replication.secretParameter)), `${PASSWORD}\n`);
        const commands = p.replication.applyDocument.mainSteps[0].inputs.runCommand
            .join("\n")
            .replaceAll("{{ node }}", node)
            .replaceAll("/data/", `${dataDir(node)}/`)
            .replaceAll("/run/", `${rootDir(node)}/run/`);
        const before = log().length;
        const r = spawnSync("sh", ["-c", commands], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${STANDIN}:${process.env.PATH}`, GHES_STANDIN_NET: net(), GHES_STANDIN_SELF: ADDRESS[node] },
        });
        const read = PASSWORD_READ(p);
        const calls = log()
            .slice(before)
            .map((l) => l.replace(/^\S+ /, ""))
            .filter((c) => c !== read);
        return { status: r.status, calls, stderr: r.stderr };
    }

    const A = ADDRESS;
    const PASSWORD_READ = (p: TopologyPlan) =>
        `aws ssm get-parameter --region us-east-1 --name ${passwordParameter(p.replication.secretParameter)} --with-decryption --query Parameter.Value --output text`;
    const LICENSE_READ = (p: TopologyPlan) =>
        `aws ssm get-parameter --region us-east-1 --name ${licenseParameter(p.replication.secretParameter)} --with-decryption --query Parameter.Value --output text`;
    /** What a replica runs to set up against `primary`, after its own license and password. */
    const joinCalls = (primary: Node, add: boolean) => [
        `ghe-repl-setup ${add ? "--add " : ""}${A[primary]}`,
        `curl POST ${A[primary]} access/ssh`,
        `ghe-repl-setup ${add ? "--add " : ""}${A[primary]}`,
        "ghe-config-apply",
        "ghe-repl-start",
        "ghe-repl-status",
        `curl GET ${A[primary]} config/nodes`,
    ];
    /** A replica of another primary: leaves its group, then is added to `primary`'s once the first replica runs. */
    const leaveAndAddCalls = (self: Node, primary: Node) => [
        "ghe-repl-stop",
        "ghe-repl-teardown",
        `curl GET ${A[self]} config/license`,
        `curl GET ${A[primary]} replication/status`,
        ...joinCalls(primary, true),
    ];
    /** A further replica with geo settings: joins ghe-1, sets its datacenter, has the primary apply it, then starts. */
    const geoJoinCalls = (p: TopologyPlan, self: Node, setting: string) => {
        const joined = joinCalls("ghe-1", true);
        return [
            ...initCalls(p, self),
            `curl GET ${A["ghe-1"]} replication/status`,
            ...joined.slice(0, 5),
            setting,
            `curl POST ${A["ghe-1"]} config/apply`,
            ...joined.slice(5),
        ];
    };
    const initCalls = (p: TopologyPlan, self: Node) => [
        `curl GET ${A[self]} config/license`,
        LICENSE_READ(p),
        `curl POST ${A[self]} config/init`,
    ];

    /**
     * The default stack (`ghesPlan()`) set up on all four nodes from fresh, each in turn (the first test
     * covers a further replica booting too early): run once in `before`, where every node's script must
     * succeed; each test that asks for it starts from a copy of that world. Returns the plan.
     */
    function bootstrapped(): TopologyPlan {
        restoreDir(bootstrappedWorld, dir);
        return ghesPlan();
    }

    it("sets up a fresh stack with three replicas: license and password first, key authorised, the first replica before the others", () => {
        const p = ghesPlan({ ghesHa: { geo: { "ghe-4": { datacenter: "dc-b", active: true } } } });
        assert.equal(seedReplica(p.replication.documents[1].document as never), "ghe-2");

        const primary = apply(p, "ghe-1");
        assert.equal(primary.status, 0, primary.stderr);
        assert.deepEqual(primary.calls, [...initCalls(p, "ghe-1"), "ghe-config-apply"]);

        // ghe-3 boots before the first replica is set up: it waits, gives up, and records nothing.
        const early = apply(p, "ghe-3");
        assert.notEqual(early.status, 0);
        assert.match(early.stderr, /the next run retries from this step/);
        assert.ok(!early.calls.some((c) => c.startsWith("ghe-repl-setup")), early.calls.join("\n"));
        assert.equal(early.calls.filter((c) => c === `curl GET ${A["ghe-1"]} replication/status`).length, 60);
        assert.equal(early.calls.filter((c) => c === "sleep 30").length, 60);
        // The password (IMDS token, region, SSM GetParameter) is read once per helper process (init,
        // wait-for-seed), not again in each attempt's subshell.
        assert.equal(early.passwordReads, 2);
        assert.ok(!existsSync(join(stateDir("ghe-3"), "applied-steps")));

        const first = apply(p, "ghe-2");
        assert.equal(first.status, 0, first.stderr);
        assert.deepEqual(first.calls, [...initCalls(p, "ghe-2"), ...joinCalls("ghe-1", false)]);

        // The retry: its license and password are in place already, so only the wait and the join run.
        const again = apply(p, "ghe-3");
        assert.equal(again.status, 0, again.stderr);
        assert.deepEqual(again.calls, [
            `curl GET ${A["ghe-3"]} config/license`,
            `curl GET ${A["ghe-1"]} replication/status`,
            ...joinCalls("ghe-1", true),
        ]);

        const geo = apply(p, "ghe-4");
        assert.equal(geo.status, 0, geo.stderr);
        assert.deepEqual(geo.calls, geoJoinCalls(p, "ghe-4", "ghe-repl-node --datacenter dc-b --active"));

        // End state: one HA group, every replica running against ghe-1, geo settings applied.
        assert.deepEqual(members("ghe-1"), [A["ghe-2"], A["ghe-3"], A["ghe-4"]]);
        for (const n of ["ghe-2", "ghe-3", "ghe-4"] as const) {
            assert.equal(state(n, "repl-primary"), A["ghe-1"], n);
            assert.ok(existsSync(join(host(n), "repl-running")), n);
            assert.equal(role(n), `replica ${A["ghe-1"]}`);
            assert.equal(readFileSync(join(stateDir(n), "ghes-primary-uuid"), "utf8").trim(), `uuid-${A["ghe-1"]}`);
        }
        assert.equal(role("ghe-1"), "primary");
        assert.equal(state("ghe-4", "datacenter"), "dc-b");
        assert.equal(state("ghe-4", "active"), "true");
        assert.ok(existsSync(join(host("ghe-1"), "config-applied")));
        assert.equal(state("ghe-1", "password"), PASSWORD, "the primary's password is the management password, without a newline");
        assert.equal(state("ghe-2", "password"), PASSWORD, "the replica has the primary's password");

        // Re-runs change nothing.
        for (const n of NODES) assert.deepEqual(apply(p, n).calls, [], n);
        // The password never reaches a command line.
        for (const secret of [SECRET, PASSWORD]) {
            assert.ok(!readFileSync(join(net(), "curl-argv"), "utf8").includes(secret));
            assert.ok(!log().some((l) => l.includes(secret)));
        }
    });

    it("uploads nothing until the operator creates the management password, then sets it as the root site administrator password", () => {
        const p = ghesPlan();
        const missing = apply(p, "ghe-1", STANDIN, false);
        assert.notEqual(missing.status, 0);
        assert.match(missing.stderr, /ParameterNotFound.*\/ha-service\/ghes-ha\/ghe\/ghes\/management-password/);
        assert.ok(!missing.calls.includes(`curl POST ${A["ghe-1"]} config/init`), missing.calls.join("\n"));
        assert.equal(state("ghe-1", "password"), undefined);
        assert.ok(!existsSync(join(stateDir("ghe-1"), "applied-steps")));

        const primary = apply(p, "ghe-1");
        assert.equal(primary.status, 0, primary.stderr);
        assert.equal(state("ghe-1", "password"), PASSWORD);
        // The replica authenticates to the primary with the same parameter: its key gets authorised.
        const replica = apply(p, "ghe-2");
        assert.equal(replica.status, 0, replica.stderr);
        assert.ok(replica.passwordReads > 0);
        assert.match(state("ghe-1", "authorized_keys") ?? "", /^ssh-ed25519 /);
    });

    it("after a promotion, tears the other replicas down and sets them up against the new primary, and decommissions the old one", () => {
        bootstrapped();
        down("ghe-1");
        const after = ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } });

        // ghe-3's association happens to run before ghe-2's: it leaves the old group, then cannot set
        // up against a node that is not primary yet; its record ends before the first step it changed.
        const tooEarly = apply(after, "ghe-3");
        assert.notEqual(tooEarly.status, 0);
        assert.deepEqual(tooEarly.calls.slice(0, 3), ["ghe-repl-stop", "ghe-repl-teardown", `curl GET ${A["ghe-3"]} config/license`]);

        const promoted = apply(after, "ghe-2");
        assert.equal(promoted.status, 0, promoted.stderr);
        assert.deepEqual(promoted.calls, [
            "ghe-repl-status -vv",
            "ghe-repl-promote",
            `ghe-repl-decommission uuid-${A["ghe-1"]}`,
            `curl GET ${A["ghe-2"]} config/license`,
        ]);

        // ghe-3 is now the first replica (ghe-1 is fenced): plain setup; ghe-4 waits for it and adds itself.
        const seed = apply(after, "ghe-3");
        assert.equal(seed.status, 0, seed.stderr);
        assert.deepEqual(seed.calls, [`curl GET ${A["ghe-3"]} config/license`, ...joinCalls("ghe-2", false)]);
        const further = apply(after, "ghe-4");
        assert.equal(further.status, 0, further.stderr);
        assert.deepEqual(further.calls, leaveAndAddCalls("ghe-4", "ghe-2"));

        assert.equal(role("ghe-2"), "primary");
        assert.deepEqual(members("ghe-2"), [A["ghe-3"], A["ghe-4"]]);
        for (const n of ["ghe-3", "ghe-4"] as const) assert.equal(state(n, "repl-primary"), A["ghe-2"], n);
    });

    it("DR region (stacks/Pulumi.ghes-dr.yaml): the DR replica joins in its own datacenter, passive, and a region failover promotes it", () => {
        const nodes = {
            "ghe-1": { zone: "us-east-1a" },
            "ghe-2": { zone: "us-east-1b" },
            "ghe-3": { zone: "us-east-1a" },
            "ghe-4": { zone: "us-west-2a" },
        };
        const dr = (extra: Raw = {}) => ({ ...(stackConfig("ghes-dr").dr as object), nodes: ["ghe-4"], ...extra });
        const before = plan(stackConfig("ghes-dr", { nodes, dr: dr() }), "ghes-dr");
        for (const n of ["ghe-1", "ghe-2", "ghe-3"] as const) assert.equal(apply(before, n).status, 0, n);
        const geo = apply(before, "ghe-4");
        assert.equal(geo.status, 0, geo.stderr);
        // github/docs configuring-high-availability/: a replica in another datacenter gets `ghe-repl-node
        // --datacenter` (here the DR region) and, for disaster recovery, stays passive (`--inactive`).
        assert.deepEqual(geo.calls, geoJoinCalls(before, "ghe-4", "ghe-repl-node --datacenter us-west-2 --inactive"));
        assert.deepEqual([state("ghe-4", "datacenter"), state("ghe-4", "active")], ["us-west-2", "false"]);

        // The primary's region is lost; runbook dr-promote: promote ghe-4, then the config names it.
        for (const n of ["ghe-1", "ghe-2", "ghe-3"] as const) down(n);
        const after = plan(stackConfig("ghes-dr", { nodes, primary: "ghe-4", dr: dr({ promoted: true }) }), "ghes-dr");
        const promoted = apply(after, "ghe-4");
        assert.equal(promoted.status, 0, promoted.stderr);
        assert.deepEqual(promoted.calls.slice(0, 2), ["ghe-repl-status -vv", "ghe-repl-promote"]);
        assert.equal(role("ghe-4"), "primary");
        // The DR node's settings stay with it when promoted (ghesHa.geo): its datacenter is unchanged.
        assert.equal(state("ghe-4", "datacenter"), "us-west-2");
    });

    it("decommissions with ghe-repl-teardown -u on releases before 3.18, which have no ghe-repl-decommission", () => {
        bootstrapped();
        down("ghe-1");
        const older = join(dir, "bin-3.17");
        mkdirSync(older);
        for (const f of readdirSync(STANDIN).filter((f) => f !== "ghe-repl-decommission")) symlinkSync(join(STANDIN, f), join(older, f));
        const promoted = apply(ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } }), "ghe-2", older);
        assert.equal(promoted.status, 0, promoted.stderr);
        assert.deepEqual(promoted.calls.slice(0, 3), [
            "ghe-repl-status -vv",
            "ghe-repl-promote",
            `ghe-repl-teardown -u uuid-${A["ghe-1"]}`,
        ]);
        assert.equal(state("ghe-2", "members"), "");
    });

    it("keeps a returning former primary fenced until the config says rejoin, then re-joins it in maintenance mode", () => {
        bootstrapped();
        down("ghe-1");
        const after = ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } });
        for (const n of ["ghe-2", "ghe-3", "ghe-4"] as const) assert.equal(apply(after, n).status, 0, n);

        up("ghe-1");
        for (let run = 0; run < 2; run++) {
            const fenced = apply(after, "ghe-1");
            assert.notEqual(fenced.status, 0);
            assert.deepEqual(fenced.calls, ["ghe-maintenance -s"]);
            assert.match(fenced.stderr, /stays fenced .*\n.*ghesHa\.formerPrimaries\.<this node>: rejoin/);
            assert.ok(existsSync(join(host("ghe-1"), "maintenance")), "not serving");
            assert.equal(state("ghe-1", "repl-primary"), undefined, "not replicating");
            assert.equal(role("ghe-1"), "fenced");
        }

        // Not listed at all: fenced just the same (the config must say rejoin explicitly).
        assert.notEqual(apply(ghesPlan({ primary: "ghe-2" }), "ghe-1").status, 0);
        assert.equal(state("ghe-1", "repl-primary"), undefined);

        const allowed = ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "rejoin" } } });
        const rejoin = apply(allowed, "ghe-1");
        assert.equal(rejoin.status, 0, rejoin.stderr);
        assert.deepEqual(rejoin.calls, [
            "ghe-maintenance -s",
            `curl GET ${A["ghe-1"]} config/license`,
            `curl GET ${A["ghe-2"]} replication/status`,
            ...joinCalls("ghe-2", true),
        ]);
        assert.equal(state("ghe-1", "repl-primary"), A["ghe-2"]);
        assert.equal(role("ghe-1"), `replica ${A["ghe-2"]}`);
        // The other nodes' documents did not change their steps: nothing re-runs there.
        for (const n of ["ghe-2", "ghe-3", "ghe-4"] as const) assert.deepEqual(apply(allowed, n).calls, [], n);
    });

    it("after a new helper (an upgrade of this package), sets up no running replica again and starts no config run on the primary", () => {
        bootstrapped();
        // A geo setting on a joined replica: only its geo steps run (the join steps are not skipped by mistake).
        const p = ghesPlan({ ghesHa: { geo: { "ghe-4": { datacenter: "dc-b", active: true } } } });
        const geoCalls = ["ghe-repl-node --datacenter dc-b --active", `curl POST ${A["ghe-1"]} config/apply`];
        const joinedCalls = ["ghe-repl-status", `curl GET ${A["ghe-1"]} config/nodes`];
        const geo = apply(p, "ghe-4");
        assert.equal(geo.status, 0, geo.stderr);
        assert.deepEqual(geo.calls, [...geoCalls, ...joinedCalls]);
        for (const n of ["ghe-1", "ghe-2", "ghe-3"] as const) assert.deepEqual(apply(p, n).calls, [], n);

        // Any change to the helper file re-runs every later step of each node's configuration.
        const helperLine = "#!/bin/bash\n# GHES HA helper";
        const upgraded: TopologyPlan = {
            ...p,
            replication: {
                ...p.replication,
                documents: p.replication.documents.map((d) => {
                    assert.ok(d.script.includes(helperLine), d.node);
                    return { ...d, script: d.script.replace(helperLine, "#!/bin/bash\n# (a later release)\n# GHES HA helper") };
                }),
            },
        };
        const primary = apply(upgraded, "ghe-1");
        assert.equal(primary.status, 0, primary.stderr);
        assert.deepEqual(primary.calls, [`curl GET ${A["ghe-1"]} config/license`]);
        // The first replica too: its ghe-repl-setup without --add would fail on a primary that has replicas.
        // The geo replica's settings are the ones it applied: no ghe-repl-node, no config run on the primary.
        for (const n of ["ghe-2", "ghe-3", "ghe-4"] as const) {
            const r = apply(upgraded, n);
            assert.equal(r.status, 0, `${n}: ${r.stderr}`);
            assert.deepEqual(r.calls, [`curl GET ${A[n]} config/license`, ...joinedCalls], n);
            assert.equal(role(n), `replica ${A["ghe-1"]}`);
            assert.ok(existsSync(join(host(n), "repl-running")), n);
        }
        assert.deepEqual(members("ghe-1"), [A["ghe-2"], A["ghe-3"], A["ghe-4"]]);
        for (const n of NODES) assert.deepEqual(apply(upgraded, n).calls, [], n);

        // A changed setting is applied again on the joined replica.
        const moved = apply(ghesPlan({ ghesHa: { geo: { "ghe-4": { datacenter: "dc-c", active: false } } } }), "ghe-4");
        assert.equal(moved.status, 0, moved.stderr);
        assert.deepEqual(moved.calls, [
            `curl GET ${A["ghe-4"]} config/license`,
            "ghe-repl-node --datacenter dc-c --inactive",
            `curl POST ${A["ghe-1"]} config/apply`,
            ...joinedCalls,
        ]);
        assert.deepEqual([state("ghe-4", "datacenter"), state("ghe-4", "active")], ["dc-c", "false"]);
    });

    it("upgrading from 0.2.0: the stack its scripts set up keeps running, and this version's scripts re-run no join step", () => {
        const released = JSON.parse(readFileSync(join(__dirname, "fixtures", "upgrade", "ghes-ha-0.2.0.json"), "utf8")) as {
            secretParameter: string;
            scripts: Record<Node, string>;
        };
        const p = ghesPlan();
        assert.equal(released.secretParameter, p.replication.secretParameter, "the same stack's parameters");
        for (const n of NODES) {
            const r = apply(p, n, STANDIN, true, released.scripts[n]);
            assert.equal(r.status, 0, `0.2.0 on ${n}: ${r.stderr}`);
        }
        const members = state("ghe-1", "members");
        assert.equal(members!.split("\n").length, 3);

        // The new helper (and node script) re-run every step after it once: nothing joins again.
        assert.deepEqual(apply(p, "ghe-1").calls, [`curl GET ${A["ghe-1"]} config/license`]);
        for (const n of ["ghe-2", "ghe-3", "ghe-4"] as const) {
            const r = apply(p, n);
            assert.equal(r.status, 0, `${n}: ${r.stderr}`);
            assert.deepEqual(r.calls, [`curl GET ${A[n]} config/license`, "ghe-repl-status", `curl GET ${A["ghe-1"]} config/nodes`], n);
            assert.equal(role(n), `replica ${A["ghe-1"]}`);
            assert.ok(existsSync(join(host(n), "repl-running")), n);
        }
        assert.equal(state("ghe-1", "members"), members);
        for (const n of NODES) assert.deepEqual(apply(p, n).calls, [], n);
    });

    it("finishes a leave that stopped half-way before setting up again, whichever primary the config names next", () => {
        bootstrapped();
        // ghe-repl-teardown fails (here: a stand-in that refuses), after ghe-repl-stop has stopped replication.
        const broken = teardownFails();
        const moved = apply(ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } }), "ghe-3", broken);
        assert.notEqual(moved.status, 0);
        assert.deepEqual(moved.calls, ["ghe-repl-stop"]);
        assert.ok(!existsSync(join(host("ghe-3"), "repl-running")), "replication stopped");
        assert.equal(role("ghe-3"), `leaving ${A["ghe-1"]}`, "not taken for a replica that follows ghe-1");

        // The operator reverts the config: ghe-3 leaves for good, then is set up against ghe-1 again.
        const back = apply(ghesPlan(), "ghe-3");
        assert.equal(back.status, 0, back.stderr);
        // Its key is still authorised on ghe-1, so the first ghe-repl-setup connects.
        assert.deepEqual(
            back.calls,
            leaveAndAddCalls("ghe-3", "ghe-1").filter((c) => !c.endsWith("access/ssh")),
        );
        assert.match(back.stderr, /ghe-repl-stop failed: replication was stopped already/);
        assert.equal(role("ghe-3"), `replica ${A["ghe-1"]}`);
        assert.ok(existsSync(join(host("ghe-3"), "repl-running")));
        assert.deepEqual(members("ghe-1"), [A["ghe-2"], A["ghe-4"], A["ghe-3"]]);
    });

    it("promotes a replica that was leaving its group, and leaves a replica stopped by hand without failing", () => {
        bootstrapped();
        const broken = teardownFails();
        assert.notEqual(
            apply(ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } }), "ghe-3", broken).status,
            0,
        );
        assert.equal(role("ghe-3"), `leaving ${A["ghe-1"]}`);
        // The config now names ghe-3 primary (ghe-1 lost): it is promoted, not just called primary.
        down("ghe-1");
        const promoted = apply(ghesPlan({ primary: "ghe-3", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } }), "ghe-3");
        assert.equal(promoted.status, 0, promoted.stderr);
        assert.deepEqual(promoted.calls.slice(0, 3), [
            "ghe-repl-status -vv",
            "ghe-repl-promote",
            `ghe-repl-decommission uuid-${A["ghe-1"]}`,
        ]);
        assert.equal(role("ghe-3"), "primary");

        const next = ghesPlan({ primary: "ghe-3", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } });
        const seed = apply(next, "ghe-2");
        assert.equal(seed.status, 0, seed.stderr);
        // ghe-4's replication was stopped by hand (the restore runbook does that) before the new primary.
        const standin = spawnSync(join(STANDIN, "ghe-repl-stop"), [], {
            encoding: "utf8",
            env: { ...process.env, GHES_STANDIN_NET: net(), GHES_STANDIN_SELF: A["ghe-4"] },
        });
        assert.equal(standin.status, 0, standin.stderr);
        const moved = apply(next, "ghe-4");
        assert.equal(moved.status, 0, moved.stderr);
        assert.deepEqual(moved.calls.slice(0, 2), ["ghe-repl-stop", "ghe-repl-teardown"]);
        assert.match(moved.stderr, /ghe-repl-stop failed: replication was stopped already/);
        assert.equal(role("ghe-4"), `replica ${A["ghe-3"]}`);
    });

    it("the stand-in refuses to make a serving former primary a replica outside maintenance mode", () => {
        bootstrapped();
        const standin = (command: string, self: Node, ...args: string[]) =>
            spawnSync(join(STANDIN, command), args, {
                encoding: "utf8",
                env: { ...process.env, GHES_STANDIN_NET: net(), GHES_STANDIN_SELF: A[self] },
            });
        assert.equal(standin("ghe-repl-promote", "ghe-2").status, 0);
        const r = standin("ghe-repl-setup", "ghe-1", A["ghe-2"]);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /maintenance mode .* production outage/);
    });

    it("the stand-in enforces the replica setup's preconditions: license and the primary's exact password, the key authorised, --add only after the first replica", () => {
        bootstrapped();
        const extra = "10.50.9.9";
        const standin = (command: string, args: string[]) =>
            spawnSync(join(STANDIN, command), args, {
                encoding: "utf8",
                env: { ...process.env, GHES_STANDIN_NET: net(), GHES_STANDIN_SELF: extra },
            });
        const setup = (...args: string[]) => standin("ghe-repl-setup", [...args, A["ghe-1"]]);
        const password = join(net(), "hosts", extra, "password");
        assert.match(setup("--add").stderr, /no license and admin password on 10\.50\.9\.9/);
        writeFileSync(password, "another password");
        assert.match(setup("--add").stderr, /the admin password differs from the primary's/);
        // Byte for byte: a trailing newline is a different password.
        writeFileSync(password, `${PASSWORD}\n`);
        assert.match(setup("--add").stderr, /the admin password differs from the primary's/);
        writeFileSync(password, PASSWORD);
        const unauthorised = setup("--add");
        assert.equal(unauthorised.status, 1);
        const key = unauthorised.stdout.match(/authorize this key: (ssh-ed25519 \S+) /)![1];
        // The Manage API takes the key only as a JSON body {"key": ...}.
        /** curl's --data: the body from a file (`@FILE`), or as text on the command line with `asText`. */
        const authorise = (body: string, asText = false) => {
            const file = join(dir, "key.json");
            writeFileSync(file, body);
            const config = join(dir, "curl.conf");
            writeFileSync(config, `user = "api_key:${PASSWORD.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"\n`);
            const url = `https://${A["ghe-1"]}:8443/manage/v1/access/ssh`;
            return standin("curl", ["-fsS", "-K", config, "-k", "-X", "POST", "--data", asText ? body : `@${file}`, url]);
        };
        assert.match(authorise(`{"key": 1}`).stderr, /access\/ssh: the body is not/);
        assert.match(authorise(`{"key": 1}`, true).stderr, /access\/ssh: the body is not/);
        assert.match(authorise(`{"key": "${key}"} trailing`).stderr, /access\/ssh: the body is not/);
        assert.equal(setup("--add").status, 1, "still not authorised");
        assert.equal(authorise(`{\n  "key": "${key}"\n}\n`).status, 0);
        assert.match(setup().stderr, /already has replicas: setting up without --add/);
        assert.equal(setup("--add").status, 0);
        assert.deepEqual(members("ghe-1"), [A["ghe-2"], A["ghe-3"], A["ghe-4"], extra]);
        // Every call was recorded, refused ones too.
        assert.equal(log().filter((l) => l.startsWith(`${extra} ghe-repl-setup`)).length, 7);
        const decommission = (uuid: string) =>
            spawnSync(join(STANDIN, "ghe-repl-decommission"), [uuid], {
                encoding: "utf8",
                env: { ...process.env, GHES_STANDIN_NET: net(), GHES_STANDIN_SELF: A["ghe-1"] },
            });
        assert.match(decommission("uuid-10.50.9.8").stderr, /no node uuid-10\.50\.9\.8 in this HA configuration/);
        assert.equal(decommission(`uuid-${extra}`).status, 0);
        assert.equal(state("ghe-1", "members")!.split("\n").length, 3);
    });

    it("after an upgrade that replaces the root filesystem, re-runs no join step: the state is on /data", () => {
        const p = bootstrapped();
        for (const d of p.replication.documents) {
            assert.match(d.script, new RegExp(`^rec='${GHES_STATE_DIR}/applied-steps'$`, "m"));
            assert.ok(!d.script.includes(STATE_DIR), d.node);
        }
        for (const n of p.nodes) assert.match(n.userData, new RegExp(`state_dir='${GHES_STATE_DIR}'`));
        // The association carries its script: user data's copy on the root filesystem is not needed.
        const commands = p.replication.applyDocument.mainSteps[0].inputs.runCommand.join("\n");
        assert.ok(!commands.includes(APPLY_SCRIPT_PATH) && !commands.includes(STATE_DIR), commands);
        const fetches = (n: Node) =>
            ["replication", "join-secret", "config"].map((what) => {
                const d = p.replication.documents.find((x) => x.node === n)!;
                const name = what === "replication" ? d.parameter : what === "config" ? d.configParameter : p.replication.secretParameter;
                return `aws ssm get-parameter --region us-east-1 --name ${name}${what === "join-secret" ? " --with-decryption" : ""} --query Parameter.Value --output text`;
            });
        for (const n of NODES) {
            // The upgrade: a new root filesystem (user data's apply script and /etc gone); /run is a fresh tmpfs.
            rmSync(rootDir(n), { recursive: true, force: true });
            mkdirSync(join(rootDir(n), "run"), { recursive: true });
            const r = associate(p, n);
            assert.equal(r.status, 0, r.stderr);
            assert.deepEqual(r.calls, fetches(n), n);
            assert.deepEqual(readdirSync(join(rootDir(n), "run")), ["ha-service-apply.lock"], "the script copy in /run is removed");
        }
        // Whereas a node that lost its state (what the root filesystem held before) would set up again.
        rmSync(stateDir("ghe-4"), { recursive: true });
        assert.ok(apply(p, "ghe-4").calls.includes(`ghe-repl-setup --add ${A["ghe-1"]}`));
        // Still managed: a promotion after the upgrade reaches the replica through the association.
        const promoted = associate(ghesPlan({ primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } }), "ghe-2");
        assert.equal(promoted.status, 0, promoted.stderr);
        assert.ok(promoted.calls.includes("ghe-repl-promote"), promoted.calls.join("\n"));
        assert.equal(role("ghe-2"), "primary");
    });
});

describe("GHES HA figures, limits and settings", () => {
    const nodes = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`ghe-${i + 1}`, {}]));
    const ghes = (overrides: Raw) =>
        stackConfig("ghes-ha", {
            network: { create: { cidr: "10.50.0.0/16", zones: ["us-east-1a"] } },
            relax: { singleZone: true },
            ...overrides,
        });
    const rejection = (raw: Raw): string => {
        try {
            parseSpec(raw, { project: "ha-service", stack: "ghes-ha" });
        } catch (e) {
            return (e as Error).message;
        }
        return assert.fail("config was accepted");
    };

    it("accepts a primary and 8 replicas and refuses a 9th replica, naming the key, the value, GitHub's limit and the fix", () => {
        assert.equal(plan(ghes({ nodes: nodes(9) }), "ghes-ha").nodes.length, 9);
        const message = rejection(ghes({ nodes: nodes(10) }));
        assert.match(
            message,
            /ha-service:nodes: must have 2 to 9 nodes for one primary and at least one replica \(GHES allows at most 8 replicas, passive and active together, beside the primary \(github\/docs data\/reusables\/enterprise_installation\/replica-limit\.md\)\); remove 1 \(got 10\)/,
        );
    });

    it("counts GitHub's 20 to 30 minute promotion in a lost primary's figures, with its source", () => {
        const a = plan(stackConfig("ghes-ha"), "ghes-ha").failoverAnalysis;
        const lost = a.scenarios.find((s) => s.key === "node:ghe-1")!;
        assert.deepEqual(lost.promotion, { minSeconds: 1200, maxSeconds: 1800 });
        assert.equal(lost.clientsMoveSeconds, lost.detectSeconds! + 1200 + lost.followSeconds!);
        assert.match(lost.clientsMoveBy, /20 to 30 minutes on average/);
        assert.ok(a.assumptions.some((x) => /20 to 30 minutes on average.*initiating-a-failover-to-your-replica-appliance\.md/.test(x)));
        const text = failoverLines(a, 1000).join("\n");
        assert.match(
            text,
            new RegExp(`clients move after ${lost.clientsMoveSeconds} to ${lost.clientsMoveSeconds! + 600} s \\+ the operator's time`),
        );
        // A replica's loss moves nobody: no promotion in its figures.
        assert.equal(a.scenarios.find((s) => s.key === "node:ghe-2")!.promotion, undefined);
        // A profile without published figures keeps detect + follow.
        const generic = plan(
            { ...ghes({ nodes: nodes(2) }), profile: "generic", loadBalancer: undefined, ghesBackup: undefined },
            "ghes-ha",
        ).failoverAnalysis;
        const g = generic.scenarios.find((s) => s.key === "node:ghe-1")!;
        assert.equal(g.promotion, undefined);
        assert.equal(g.clientsMoveSeconds, g.detectSeconds! + g.followSeconds!);
    });

    it("puts GitHub's failover steps in the runbook in order: maintenance, drain, status, active replicas, promote, then DNS/LB", () => {
        const p = plan(ghes({ nodes: nodes(3), ghesHa: { geo: { "ghe-3": { datacenter: "dc-b", active: true } } } }), "ghes-ha");
        const steps = p.runbooks.find((r) => r.key === "promote-ghe-2")!.steps;
        const at = (re: RegExp) => {
            const i = steps.findIndex((s) => re.test(s));
            assert.ok(i >= 0, `${re} in\n${steps.join("\n")}`);
            return i;
        };
        const order = [
            at(/`ghe-maintenance -s` on ghe-1/),
            at(/Git operations, MySQL queries and job \(Resque\) queues are at zero/),
            at(/`ghe-repl-status -vv` on ghe-1/),
            at(/`ghe-maintenance -s` on every active replica \(ghe-3\)/),
            at(/`ghe-repl-promote` on ghe-2/),
            at(/ghesHa\.formerPrimaries\.ghe-1: fenced/),
            at(/pulumi config set ha-service:primary ghe-2/),
            at(/^Afterwards: .*load balancer/),
        ];
        assert.deepEqual(
            order,
            [...order].sort((x, y) => x - y),
        );
        assert.match(steps[order[7]], /takes 20 to 30 minutes on average/);
    });

    it("checks ghesHa: nodes that exist, never the primary as a former primary, only for GHES HA", () => {
        const message = rejection(
            ghes({
                nodes: nodes(3),
                ghesHa: { formerPrimaries: { "ghe-1": "fenced", "ghe-9": "rejoin" }, geo: { "ghe-8": { datacenter: "b" } } },
            }),
        );
        assert.match(message, /ha-service:ghesHa\.formerPrimaries\.ghe-1: is the current `primary`.*\(got "fenced"\)/);
        assert.match(
            message,
            /ha-service:ghesHa\.formerPrimaries\.ghe-9: names no node of `nodes` \(ghe-1, ghe-2, ghe-3\).*\(got "ghe-9"\)/,
        );
        assert.match(message, /ha-service:ghesHa\.geo\.ghe-8: names no node/);
        assert.match(
            rejection(ghes({ nodes: nodes(2), primary: "ghe-2", ghesHa: { formerPrimaries: { "ghe-1": "fenced" } } })),
            /ghesHa\.formerPrimaries: lists every replica/,
        );
        assert.match(
            rejection({ ...ghes({}), profile: "generic", loadBalancer: undefined, ghesHa: { geo: { "ghe-1": { datacenter: "b" } } } }),
            /ha-service:ghesHa: applies only to `profile: ghes`/,
        );
    });
});
