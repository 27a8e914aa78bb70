/**
 * The GHES cluster scripts, run with bash against a stand-in GHES (test/standin/ghes-cluster/) in the
 * order real events happen: bootstrap, a re-run, a change that adds one node and removes another, a
 * node replaced under its old host name, and a leader change. The stand-ins record every call and
 * enforce GitHub's preconditions (config-init/-apply and ghe-remove-node only on the MySQL primary,
 * never a retired host name, nodes initialised before apply); cluster.conf is read with real git.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveAddresses, type TopologyPlan } from "../components/plan";
import { CLUSTER_CONF_PATH, GHES_STATE_DIR } from "../components/profiles/ghes";
import { plan, type Raw } from "./fixtures";
import { stackConfig } from "./stacks";
import { NO_STDIN } from "./processes";

const STANDIN = join(__dirname, "standin", "ghes-cluster");

/** One appliance of the stand-in cluster: its own state dir, host name and cluster.conf. */
class Appliance {
    readonly state: string;
    readonly stateDir: string;
    constructor(
        root: string,
        readonly hostname: string,
    ) {
        this.state = join(root, hostname, "ghes");
        this.stateDir = join(root, hostname, "ha-service");
        mkdirSync(this.state, { recursive: true });
        mkdirSync(this.stateDir, { recursive: true });
        writeFileSync(join(this.state, "hostname"), `${hostname}\n`);
    }
    get conf(): string {
        return join(this.state, "cluster.conf");
    }
    /** Runs `script` as the node would, with the stand-ins first on PATH and this appliance's paths. */
    run(script: string): { status: number | null; output: string } {
        const local = script.replaceAll(CLUSTER_CONF_PATH, this.conf).replaceAll(GHES_STATE_DIR, this.stateDir);
        const r = spawnSync("bash", ["-c", local], {
            stdio: NO_STDIN,
            env: { ...process.env, PATH: `${STANDIN}:${process.env.PATH}`, GHES_STANDIN_STATE: this.state },
            encoding: "utf8",
        });
        return { status: r.status, output: `${r.stdout}${r.stderr}` };
    }
    /** The stand-in calls recorded since the last take. */
    takeCalls(): string[] {
        const file = join(this.state, "calls");
        let text = "";
        try {
            text = readFileSync(file, "utf8");
        } catch {
            return [];
        }
        rmSync(file);
        return text.split("\n").filter((l) => l !== "");
    }
    /** cluster.conf as `git config --list` reads it. */
    entries(): string[] {
        const r = spawnSync("git", ["config", "-f", this.conf, "--list"], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim().split("\n");
    }
    setKey(key: string, value: string): void {
        assert.equal(spawnSync("git", ["config", "-f", this.conf, key, value]).status, 0);
    }
}

const NODE_IPS: Record<string, string> = {
    "ghe-app-1": "10.1.0.11",
    "ghe-app-2": "10.1.1.12",
    "ghe-app-3": "10.1.2.13",
    "ghe-data-1": "10.1.0.21",
    "ghe-data-2": "10.1.1.22",
    "ghe-data-3": "10.1.2.23",
};

/** The node script the plan renders for `node`, with addresses filled in. */
function scriptOf(p: TopologyPlan, node: string, ips: Record<string, string> = NODE_IPS): string {
    const d = p.replication.documents.find((x) => x.node === node);
    assert.ok(d, node);
    return resolveAddresses(d.script, ips);
}

const base = stackConfig("ghes-cluster");
const baseNodes = base.nodes as Record<string, Raw>;
/** ghe-app-3 added with ghe-app-1's settings in another zone, ghe-app-1 deleted and listed in removedNodes. */
const swapped: Raw = {
    ...base,
    nodes: {
        ...Object.fromEntries(Object.entries(baseNodes).filter(([k]) => k !== "ghe-app-1")),
        "ghe-app-3": { ...baseNodes["ghe-app-1"], zone: "us-east-1c" },
    },
    removedNodes: ["ghe-app-1"],
};

describe("GHES cluster on a stand-in appliance (test/standin/ghes-cluster)", function () {
    this.timeout(120_000);
    let root: string;
    let data1: Appliance;

    before(() => {
        root = mkdtempSync(join(tmpdir(), "ghes-cluster-"));
        data1 = new Appliance(root, "ghe-data-1");
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it("bootstraps: the MySQL primary writes the stack's keys, then ghe-cluster-config-init and -apply; GHES adds each node's uuid", () => {
        const r = data1.run(scriptOf(plan(base, "ghes-cluster"), "ghe-data-1"));
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(data1.takeCalls(), ["ghe-cluster-config-init", "ghe-cluster-config-apply"]);
        const entries = data1.entries();
        assert.deepEqual(entries.slice(0, 3), [
            "cluster.mysql-master=ghe-data-1",
            "cluster.redis-master=ghe-data-1",
            "cluster.primary-datacenter=default",
        ]);
        assert.deepEqual(
            entries.filter((e) => e.startsWith("cluster.ghe-app-1.")),
            [
                "cluster.ghe-app-1.hostname=ghe-app-1",
                "cluster.ghe-app-1.ipv4=10.1.0.11",
                "cluster.ghe-app-1.consul-datacenter=default",
                "cluster.ghe-app-1.datacenter=default",
                "cluster.ghe-app-1.web-server=true",
                "cluster.ghe-app-1.job-server=true",
                "cluster.ghe-app-1.memcache-server=true",
                entries.find((e) => e.startsWith("cluster.ghe-app-1.uuid="))!,
            ],
        );
        assert.equal(entries.filter((e) => /^cluster\.[a-z0-9-]+\.uuid=/.test(e)).length, 5, "a uuid per node, written by GHES");
        assert.equal(readFileSync(join(data1.state, "applied.conf"), "utf8"), readFileSync(data1.conf, "utf8"));
    });

    it("re-running changes nothing: neither the node script nor the sync itself calls GHES or touches cluster.conf", () => {
        const before = readFileSync(data1.conf, "utf8");
        assert.equal(data1.run(scriptOf(plan(base, "ghes-cluster"), "ghe-data-1")).status, 0);
        const sync = join(data1.stateDir, "ghes-cluster-sync");
        const again = data1.run(`bash ${sync} ghe-data-1`);
        assert.equal(again.status, 0, again.output);
        assert.deepEqual(data1.takeCalls(), []);
        assert.equal(readFileSync(data1.conf, "utf8"), before);
    });

    it("adds a node and removes one: set keys, init, apply, then ghe-remove-node (evacuating) on the MySQL primary; GHES's keys survive", () => {
        // A key GHES wrote itself that the stack knows nothing about.
        data1.setKey("cluster.ghe-data-2.ghes-own-marker", "kept");
        const uuids = () => data1.entries().filter((e) => e.includes(".uuid="));
        const oldUuids = uuids();
        const r = data1.run(scriptOf(plan(swapped, "ghes-cluster"), "ghe-data-1"));
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(data1.takeCalls(), [
            "ghe-cluster-config-init",
            "ghe-cluster-config-apply",
            "ghe-remove-node ghe-app-1",
            "evacuate ghe-app-1",
        ]);
        const entries = data1.entries();
        for (const u of oldUuids) assert.ok(entries.includes(u), `${u} survives`);
        assert.ok(entries.includes("cluster.ghe-data-2.ghes-own-marker=kept"));
        assert.ok(entries.includes("cluster.ghe-app-1.offline=true"), "ghe-remove-node's offline marker survives");
        assert.ok(entries.includes("cluster.ghe-app-3.ipv4=10.1.2.13"));
        assert.ok(
            entries.some((e) => e.startsWith("cluster.ghe-app-3.uuid=")),
            "the new node was initialised",
        );
        // Re-running the same change removes nothing twice.
        const before = readFileSync(data1.conf, "utf8");
        assert.equal(data1.run(`bash ${join(data1.stateDir, "ghes-cluster-sync")} ghe-data-1 ghe-app-1`).status, 0);
        assert.deepEqual(data1.takeCalls(), []);
        assert.equal(readFileSync(data1.conf, "utf8"), before);
    });

    it("unsets a key the stack set and no longer wants, and nothing else", () => {
        const withMetrics: Raw = {
            ...swapped,
            nodes: {
                ...(swapped.nodes as Record<string, Raw>),
                "ghe-app-3": { zone: "us-east-1c", roles: ["web-server", "job-server", "memcache-server", "metrics-server"] },
            },
        };
        assert.equal(data1.run(scriptOf(plan(withMetrics, "ghes-cluster"), "ghe-data-1")).status, 0);
        assert.ok(data1.entries().includes("cluster.ghe-app-3.metrics-server=true"));
        const before = data1.entries();
        data1.takeCalls();
        const r = data1.run(scriptOf(plan(swapped, "ghes-cluster"), "ghe-data-1"));
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(data1.takeCalls(), ["ghe-cluster-config-init", "ghe-cluster-config-apply"]);
        assert.deepEqual(
            data1.entries(),
            before.filter((e) => e !== "cluster.ghe-app-3.metrics-server=true"),
        );
    });

    it("refuses a node the stack set up that left the config without being listed in removedNodes, changing nothing", () => {
        const withApp4: Raw = { ...swapped, nodes: { ...(swapped.nodes as Record<string, Raw>), "ghe-app-4": { zone: "us-east-1a" } } };
        const ips = { ...NODE_IPS, "ghe-app-4": "10.1.0.14" };
        assert.equal(data1.run(scriptOf(plan(withApp4, "ghes-cluster"), "ghe-data-1", ips)).status, 0);
        data1.takeCalls();
        const before = readFileSync(data1.conf, "utf8");
        const r = data1.run(scriptOf(plan(swapped, "ghes-cluster"), "ghe-data-1"));
        assert.notEqual(r.status, 0);
        assert.match(r.output, /ghe-app-4 left the stack config without being listed in removedNodes; nothing changed/);
        assert.deepEqual(data1.takeCalls(), []);
        assert.equal(readFileSync(data1.conf, "utf8"), before);
        // Listed, it is removed through ghe-remove-node.
        const listed = data1.run(scriptOf(plan({ ...swapped, removedNodes: ["ghe-app-1", "ghe-app-4"] }, "ghes-cluster"), "ghe-data-1"));
        assert.equal(listed.status, 0, listed.output);
        assert.deepEqual(data1.takeCalls(), ["ghe-remove-node ghe-app-4", "evacuate ghe-app-4"]);
    });

    it("removes a node listed twice in removedNodes once", () => {
        const withApp5: Raw = { ...swapped, nodes: { ...(swapped.nodes as Record<string, Raw>), "ghe-app-5": { zone: "us-east-1a" } } };
        const ips = { ...NODE_IPS, "ghe-app-5": "10.1.0.15" };
        assert.equal(data1.run(scriptOf(plan(withApp5, "ghes-cluster"), "ghe-data-1", ips)).status, 0);
        data1.takeCalls();
        const twice = { ...swapped, removedNodes: ["ghe-app-1", "ghe-app-4", "ghe-app-5", "ghe-app-5"] };
        const r = data1.run(scriptOf(plan(twice, "ghes-cluster"), "ghe-data-1"));
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(data1.takeCalls(), ["ghe-remove-node ghe-app-5", "evacuate ghe-app-5"]);
    });

    it("stops before any check or write when git cannot parse cluster.conf, naming the file; nothing changed", () => {
        const good = readFileSync(data1.conf, "utf8");
        const ownedFile = join(data1.stateDir, "ghes-cluster", "owned");
        const owned = readFileSync(ownedFile, "utf8");
        // An unterminated section header: git config refuses the whole file (before, each key read as empty).
        const broken = `${good}[cluster "ghe-app-9"\n  ipv4 = 10.1.0.99\n`;
        writeFileSync(data1.conf, broken);
        const sync = `bash ${join(data1.stateDir, "ghes-cluster-sync")} ghe-data-1`;
        try {
            const r = data1.run(sync);
            assert.notEqual(r.status, 0);
            assert.match(r.output, /bad config line \d+ in file /, "git's own reason");
            assert.ok(
                r.output.includes(`ghes-cluster-sync on ghe-data-1: git config cannot read ${data1.conf}; nothing changed`),
                r.output,
            );
            assert.deepEqual(data1.takeCalls(), []);
            assert.equal(readFileSync(data1.conf, "utf8"), broken);
            assert.equal(readFileSync(ownedFile, "utf8"), owned);
        } finally {
            writeFileSync(data1.conf, good);
        }
        // Repaired, the same run has nothing to do.
        const again = data1.run(sync);
        assert.equal(again.status, 0, again.output);
        assert.deepEqual(data1.takeCalls(), []);
        assert.equal(readFileSync(data1.conf, "utf8"), good);
    });

    it("reads and writes values containing '=' whole: a re-run does not even rewrite cluster.conf", () => {
        data1.setKey("cluster.ghe-data-2.ghes-own-note", "a=b");
        // A stack key whose value holds '=' (the sync takes whatever the stack's file says).
        const stackFile = join(data1.stateDir, "cluster.conf.stack");
        assert.equal(spawnSync("git", ["config", "-f", stackFile, "cluster.ghe-data-2.comment", "x=y=z"]).status, 0);
        const sync = `bash ${join(data1.stateDir, "ghes-cluster-sync")} ghe-data-1`;
        const r = data1.run(sync);
        assert.equal(r.status, 0, r.output);
        assert.deepEqual(data1.takeCalls(), ["ghe-cluster-config-init", "ghe-cluster-config-apply"]);
        const entries = data1.entries();
        assert.ok(entries.includes("cluster.ghe-data-2.comment=x=y=z"), entries.join("\n"));
        assert.ok(entries.includes("cluster.ghe-data-2.ghes-own-note=a=b"), entries.join("\n"));
        // git config replaces the file on every write (a new inode); a hard link keeps the old one.
        const before = readFileSync(data1.conf, "utf8");
        const link = `${data1.conf}.before-rerun`;
        linkSync(data1.conf, link);
        const again = data1.run(sync);
        assert.equal(again.status, 0, again.output);
        assert.deepEqual(data1.takeCalls(), []);
        assert.equal(readFileSync(data1.conf, "utf8"), before);
        assert.equal(statSync(data1.conf).ino, statSync(link).ino, "cluster.conf was not rewritten");
        rmSync(link);
    });

    it("refuses a node replaced under its old host name (pulumi up --replace: a new address), changing nothing", () => {
        const before = readFileSync(data1.conf, "utf8");
        const r = data1.run(scriptOf(plan(swapped, "ghes-cluster"), "ghe-data-1", { ...NODE_IPS, "ghe-app-2": "10.1.1.99" }));
        assert.notEqual(r.status, 0);
        assert.match(r.output, /ghe-app-2 is a new appliance \(10\.1\.1\.99, was 10\.1\.1\.12\) under a host name GHES knows/);
        assert.match(r.output, /add a node with a new name and list the old one in removedNodes; nothing changed/);
        assert.deepEqual(data1.takeCalls(), []);
        assert.equal(readFileSync(data1.conf, "utf8"), before);
    });

    it("a leader change renders the move-leaders runbook and applies nothing: the new leader's sync refuses", () => {
        const moved = plan({ ...swapped, leaders: { "mysql-server": "ghe-data-2", "redis-server": "ghe-data-2" } }, "ghes-cluster");
        assert.deepEqual(moved.replication.documents.find((d) => d.node === "ghe-data-1")!.config.commands, []);
        const data2 = new Appliance(root, "ghe-data-2");
        // ghe-cluster-config-apply copied the file to every node.
        writeFileSync(data2.conf, readFileSync(data1.conf, "utf8"));
        const before = readFileSync(data2.conf, "utf8");
        const r = data2.run(scriptOf(moved, "ghe-data-2"));
        assert.notEqual(r.status, 0);
        assert.match(
            r.output,
            /cluster\.conf names ghe-data-1 mysql-master, the stack config ghe-data-2: move it by hand \(runbook move-leaders\)/,
        );
        assert.deepEqual(data2.takeCalls(), []);
        assert.equal(readFileSync(data2.conf, "utf8"), before);
        const runbook = moved.runbooks.find((b) => b.key === "move-leaders");
        assert.ok(runbook);
        const text = runbook.steps.join("\n");
        for (const gate of [
            /ghe-cluster-maintenance -s/,
            /SET GLOBAL super_read_only = 1;/,
            /SELECT @@global\.gtid_executed;/,
            /slave_repl_offset` must equal the current primary's `master_repl_offset`/,
            /git config -f \/data\/user\/common\/cluster\.conf cluster\.mysql-master ghe-data-2/,
        ]) {
            assert.match(text, gate);
        }
        // The gates come before the edit of mysql-master.
        assert.ok(text.indexOf("super_read_only") < text.indexOf("cluster.mysql-master ghe-data-2"));
        assert.ok(text.indexOf("master_repl_offset") < text.indexOf("cluster.redis-master ghe-data-2"));
    });
});

describe("the stand-in GHES cluster commands enforce GitHub's preconditions", () => {
    let root: string;
    beforeEach(() => {
        root = mkdtempSync(join(tmpdir(), "ghes-standin-"));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    const conf = [
        "[cluster]",
        "  mysql-master = db-1",
        "  redis-master = db-1",
        '[cluster "db-1"]',
        "  hostname = db-1",
        "  ipv4 = 10.0.0.1",
        "  mysql-server = true",
        "  redis-server = true",
        '[cluster "web-1"]',
        "  hostname = web-1",
        "  ipv4 = 10.0.0.2",
        "",
    ].join("\n");

    it("config-init, config-apply and ghe-remove-node fail away from the MySQL primary", () => {
        const web = new Appliance(root, "web-1");
        writeFileSync(web.conf, conf);
        for (const cmd of ["ghe-cluster-config-init", "ghe-cluster-config-apply", "ghe-remove-node db-1"]) {
            const r = web.run(cmd);
            assert.notEqual(r.status, 0, cmd);
            assert.match(r.output, /runs on the MySQL primary \(db-1\), not on web-1/);
        }
    });

    it("config-apply needs initialised nodes; ghe-remove-node spares the masters; a removed host name is never initialised again", () => {
        const db = new Appliance(root, "db-1");
        writeFileSync(db.conf, conf);
        assert.match(db.run("ghe-cluster-config-apply").output, /node db-1 is not initialised/);
        assert.equal(db.run("ghe-cluster-config-init && ghe-cluster-config-apply").status, 0);
        assert.match(db.run("ghe-remove-node db-1").output, /cannot remove the mysql-master or redis-master node db-1/);
        assert.equal(db.run("ghe-remove-node web-1").status, 0);
        db.run('git config -f "$GHES_STANDIN_STATE/cluster.conf" --remove-section cluster.web-1');
        db.setKey("cluster.web-1.hostname", "web-1");
        db.setKey("cluster.web-1.ipv4", "10.0.0.3");
        assert.match(db.run("ghe-cluster-config-init").output, /host name web-1 belonged to a removed node/);
    });
});
