/**
 * Cloudify Manager 4.x cluster membership, proved by running the rendered node scripts with bash
 * against the stand-ins (test/standin/cloudify), in the order real events happen: first boot of all
 * managers at once, a re-run, losing and replacing the leader, removing a manager, a 5.x manager.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { TopologyPlan } from "../components/plan";
import { plan, type Raw } from "./fixtures";
import { Lab, type LabSnapshot, PASSWORD, STANDIN_BIN, type Call } from "./cloudify-standin";
import { stackConfig } from "./stacks";
import { NO_STDIN } from "./processes";

const MANAGERS = ["mgr-a", "mgr-b", "mgr-c"] as const;
const mutating = (calls: readonly Call[]) =>
    calls.filter((c) => c.tool === "cfy" && (c.argv[1] === "start" || c.argv[1] === "join" || c.argv[2] === "remove"));

describe("cloudify cluster scripts against the stand-in cfy (stacks/Pulumi.cloudify.yaml)", function () {
    this.timeout(60_000);
    const raw = stackConfig("cloudify");
    const p: TopologyPlan = plan(raw, "cloudify");
    const parameter = p.replication.clusterState!.parameter;
    let lab: Lab;

    const runAll = async (pl: TopologyPlan, nodes: readonly string[]) => {
        const results = await Promise.all(nodes.map((n) => lab.run(pl, n)));
        for (const r of results) assert.equal(r.code, 0, `${r.node}:\n${r.output}`);
    };
    let fresh: LabSnapshot;
    let bootstrapped: LabSnapshot;
    /**
     * All managers booted and bootstrapped: the leader first, so the others need not wait (the concurrent
     * boot has its own test). Done once in `before` (its scripts must succeed there); each test that
     * needs it starts from a copy of that state (docs/development.md, "Test run time").
     */
    const bootstrap = () => lab.restore(bootstrapped);

    before(async () => {
        lab = new Lab(p);
        fresh = lab.snapshot();
        for (const n of MANAGERS) lab.boot(n);
        await runAll(p, ["mgr-a"]);
        await runAll(p, ["mgr-b", "mgr-c"]);
        bootstrapped = lab.snapshot();
    });
    beforeEach(() => lab.restore(fresh));
    after(async () => {
        await lab.close();
        for (const d of [lab.dir, fresh.dir, bootstrapped.dir]) rmSync(d, { recursive: true, force: true });
    });

    it("first bootstrap (all managers at once) starts exactly one cluster on leaders.manager, which the others join by IP", async () => {
        for (const n of MANAGERS) lab.boot(n);
        await runAll(p, MANAGERS);
        const w = lab.world();
        assert.deepEqual(Object.keys(w.clusters), ["cluster-1"]);
        const c = w.clusters["cluster-1"];
        assert.equal(c.startedBy, "mgr-a");
        assert.deepEqual(c.members, lab.addresses);
        assert.equal(w.parameters[parameter], "started");
        const joins = mutating(lab.calls()).filter((x) => x.argv[1] === "join");
        assert.deepEqual(joins.map((x) => x.self).sort(), [lab.addresses["mgr-b"], lab.addresses["mgr-c"]].sort());
        for (const j of joins) assert.equal(j.argv.at(-1), lab.addresses["mgr-a"], "joins the active manager by IP");
    });

    it("re-running every script changes nothing", async () => {
        bootstrap();
        const before = lab.world();
        const calls = lab.calls().length;
        await runAll(p, MANAGERS);
        assert.deepEqual(mutating(lab.calls().slice(calls)), []);
        const after = lab.world();
        assert.deepEqual(after.clusters, before.clusters);
        assert.deepEqual(after.parameters, before.parameters);
    });

    it("a replaced leader joins the existing cluster's active manager instead of starting a second cluster", async () => {
        bootstrap();
        lab.lose("mgr-a");
        assert.equal(lab.world().clusters["cluster-1"].active, "mgr-b", "the standbys elect mgr-b");
        const calls = lab.calls().length;
        lab.boot("mgr-a"); // a fresh instance, new address, empty state directory
        await runAll(p, MANAGERS); // the others' documents changed too (mgr-a's address)
        const w = lab.world();
        assert.deepEqual(Object.keys(w.clusters), ["cluster-1"], "no second cluster");
        const c = w.clusters["cluster-1"];
        assert.equal(c.members["mgr-a"], lab.addresses["mgr-a"], "the new instance is the member mgr-a");
        const done = mutating(lab.calls().slice(calls));
        assert.deepEqual(
            done.map((x) => [x.self, x.argv.slice(0, 3).join(" "), x.profile]),
            [
                // its predecessor's stale membership is removed on the active manager first
                [lab.addresses["mgr-a"], "cluster nodes remove", lab.addresses["mgr-b"]],
                [lab.addresses["mgr-a"], "cluster join --cluster-host-ip", lab.addresses["mgr-a"]],
            ],
        );
        assert.equal(done[1].argv.at(-1), lab.addresses["mgr-b"], "joins the active manager, found at run time");
    });

    it("removes a manager deleted from the config on the active manager, even after a failover, and only once", async () => {
        bootstrap();
        lab.lose("mgr-b");
        const w0 = lab.world();
        w0.clusters["cluster-1"].active = "mgr-c"; // a failover happened earlier: mgr-c is active, not the leader mgr-a
        lab.save(w0);
        const { "mgr-b": _gone, ...nodes } = raw.nodes as Raw;
        const after = plan({ ...raw, nodes, removedNodes: ["mgr-b"] }, "cloudify");
        const calls = lab.calls().length;
        await runAll(after, ["mgr-a", "mgr-c"]);
        const removes = mutating(lab.calls().slice(calls));
        assert.deepEqual(
            removes.map((x) => [x.argv.join(" "), x.profile]),
            [["cluster nodes remove mgr-b", lab.addresses["mgr-c"]]],
        );
        assert.deepEqual(Object.keys(lab.world().clusters["cluster-1"].members).sort(), ["mgr-a", "mgr-c"]);
        const again = lab.calls().length;
        await runAll(after, ["mgr-a", "mgr-c"]);
        assert.deepEqual(mutating(lab.calls().slice(again)), [], "a second run removes nothing");
    });

    it("the stand-in refuses a removal on a standby, so the test above cannot pass by running it on the leader", async () => {
        bootstrap();
        const w = lab.world();
        w.clusters["cluster-1"].active = "mgr-c";
        lab.save(w);
        const res = await new Promise<{ code: number | null; out: string }>((resolve) => {
            const child = spawn("bash", ["-c", `cfy profiles use ${lab.addresses["mgr-a"]} && cfy cluster nodes remove mgr-b`], {
                stdio: NO_STDIN,
                env: {
                    ...process.env,
                    PATH: `${STANDIN_BIN}:${process.env.PATH}`,
                    STANDIN_WORLD: lab.dir,
                    STANDIN_SELF: lab.addresses["mgr-a"],
                    CLOUDIFY_USERNAME: "admin",
                    CLOUDIFY_PASSWORD: PASSWORD,
                },
            });
            let out = "";
            child.stderr.on("data", (b: Buffer) => (out += b.toString()));
            child.on("close", (code) => resolve({ code, out }));
        });
        assert.equal(res.code, 1);
        assert.match(res.out, /operations can only be performed on the active manager/);
    });

    it("the stand-ins answer through the lab's broker as in processes of their own: exit codes, stdout, stderr, recorded calls, world", async () => {
        bootstrap();
        const commands = [
            `cfy cluster nodes list`,
            `cfy profiles use ${lab.addresses["mgr-a"]}`,
            `cfy cluster nodes remove mgr-a`,
            `cfy cluster frobnicate`,
            `aws ssm get-parameter --name ${parameter} --query Parameter.Value --output text`,
            `aws ssm get-parameter --name /no/such/parameter`,
            `curl -sk -o /dev/null -w '%{http_code}' -K <(printf 'user = "admin:%s"\\n' wrong) https://${lab.addresses["mgr-b"]}/api/v3.1/status`,
            `curl -fsSk -K <(printf 'user = "admin:%s"\\n' ${PASSWORD}) https://${lab.addresses["mgr-a"]}/api/v3.1/version`,
            `systemctl restart no-such.service`,
        ];
        const run = async (viaBroker: boolean) => {
            bootstrap();
            const calls = lab.calls().length;
            const out = join(lab.dir, "answers");
            mkdirSync(out);
            const script = commands.map((c, i) => `${c} > ${out}/${i}.out 2> ${out}/${i}.err; echo $? > ${out}/${i}.code`).join("\n");
            const env = ["env", ...(viaBroker ? [] : ["-u", "STANDIN_BROKER"]), "CLOUDIFY_USERNAME=admin", `CLOUDIFY_PASSWORD=${PASSWORD}`];
            const r = await lab.exec("mgr-a", [...env, "bash", "-c", script]);
            assert.equal(r.code, 0, r.output);
            const answer = (i: number, k: string) => readFileSync(join(out, `${i}.${k}`), "utf8");
            const answers = commands.map((c, i) => ({ c, code: answer(i, "code"), out: answer(i, "out"), err: answer(i, "err") }));
            return { answers, calls: lab.calls().slice(calls), world: lab.world() };
        };
        const direct = await run(false);
        assert.deepEqual(
            direct.answers.map((a) => a.code.trim()),
            ["0", "0", "1", "2", "0", "254", "0", "0", "5"],
            `each call as a process of its own:\n${direct.answers.map((a) => `${a.c} -> ${a.code.trim()}: ${a.err.trim()}`).join("\n")}`,
        );
        assert.match(direct.answers[2].err, /the active manager cannot remove itself/);
        assert.match(direct.answers[0].out, /\| mgr-a \| 10\.1\.1\.11 \| leader \|/);
        assert.equal(direct.answers[6].out, "401");
        assert.deepEqual(await run(true), direct);
    });

    it("refuses a Cloudify 5.x manager on the node, naming the supported version", async () => {
        lab.boot("mgr-a", "5.0.5");
        lab.boot("mgr-b");
        lab.boot("mgr-c");
        const r = await lab.run(p, "mgr-a");
        assert.equal(r.code, 1);
        assert.match(r.output, /Cloudify Manager 5\.0\.5: this stack supports Cloudify 4\.x only/);
        assert.deepEqual(mutating(lab.calls()), []);
        assert.deepEqual(lab.world().clusters, {});
    });

    it("enables the health endpoint's unit at boot from the rendered files", async () => {
        bootstrap();
        for (const n of MANAGERS) {
            const unit = lab.world().units[lab.addresses[n]]["ha-service-cloudify-health.service"];
            assert.deepEqual([unit.enabled, unit.running], [true, true], n);
        }
    });
});

describe("cloudify assets, checked by the real tools", () => {
    const p = plan(stackConfig("cloudify"), "cloudify");
    it("the cluster and snapshot scripts pass shellcheck", function () {
        if (spawnSync("sh", ["-c", "command -v shellcheck"]).status !== 0) {
            if (process.env.CI) throw new Error("shellcheck is not installed: apt-get install shellcheck");
            this.skip();
        }
        const scripts = p.replication.assets.filter((a) => a.path.endsWith(".sh"));
        assert.deepEqual(
            scripts.map((a) => a.path),
            ["/etc/ha-service/cloudify-cluster.sh", "/etc/ha-service/cloudify-snapshot.sh"],
        );
        for (const script of scripts) {
            const r = spawnSync("shellcheck", ["-s", "bash", "-"], { input: script.content, encoding: "utf8" });
            assert.equal(r.status, 0, `${script.path}\n${r.stdout}`);
        }
    });
});
