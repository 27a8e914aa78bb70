/**
 * The Cloudify managers' health endpoint (components/profiles/cloudify/health.ts): the rendered
 * service run with python against a stand-in REST API (test/standin/cloudify/rest-api.py) that
 * answers GET /api/v3.1/status as Cloudify 4.x documents (200 active, 400 standby, credentials
 * required), and the plan that points the target groups at it and opens its port to the load
 * balancer alone.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HEALTH_PATH, HEALTH_PORT } from "../components/profiles/cloudify/health";
import { plan } from "./fixtures";
import { STANDIN_BIN } from "./cloudify-standin";
import { stackConfig } from "./stacks";

const p = plan(stackConfig("cloudify"), "cloudify");
const SELF = "10.9.0.1";
const PASSWORD = "join-secret-value";

function freePort(): Promise<number> {
    return new Promise((resolve) => {
        const s = createServer().listen(0, "127.0.0.1", () => {
            const { port } = s.address() as { port: number };
            s.close(() => resolve(port));
        });
    });
}

async function waitFor(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
        if (check()) return;
        await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
}

async function get(port: number, path = HEALTH_PATH): Promise<{ status: number; body: string }> {
    for (let i = 0; ; i++) {
        try {
            const res = await fetch(`http://127.0.0.1:${port}${path}`);
            return { status: res.status, body: (await res.text()).trim() };
        } catch (e) {
            if (i > 100) throw e;
            await new Promise((r) => setTimeout(r, 50));
        }
    }
}

/** Interpreters to run the service with: the machine's python3, and python 2.7 where installed. */
const INTERPRETERS = ["python3", "/root/.pyenv/versions/2.7.18/bin/python2.7", "/usr/bin/python2.7"].filter(
    (py, i, all) => spawnSync(py, ["-c", "pass"]).status === 0 && all.indexOf(py) === i,
);

if (!INTERPRETERS.some((py) => py.endsWith("python2.7"))) {
    describe("cloudify health endpoint under python 2.7 (the managers' interpreter)", () => {
        // Pending, not passing: no python 2.7 on this machine, so only python 3 ran the service.
        it("runs against the stand-in REST API (skipped: python 2.7 is not installed here)");
    });
}

for (const python of INTERPRETERS) {
    describe(`cloudify health endpoint, run with ${python}, against a stand-in REST API`, function () {
        this.timeout(60_000);
        let dir: string;
        let api: ChildProcess | undefined;
        let health: ChildProcess | undefined;
        let healthPort: number;

        const setWorld = (role: "active" | "standby" | "down") => {
            const manager = { name: "mgr-a", up: role !== "down", version: "4.6", password: PASSWORD, cluster: "cluster-1", empty: false };
            const active = role === "standby" ? "mgr-b" : "mgr-a";
            const world = {
                managers: { [SELF]: manager },
                clusters: { "cluster-1": { active, members: { "mgr-a": SELF, "mgr-b": "10.9.0.2" }, startedBy: "mgr-a" } },
                parameters: {},
                profiles: {},
                units: {},
            };
            writeFileSync(join(dir, "world.json"), JSON.stringify(world));
        };

        before(async () => {
            dir = mkdtempSync(join(tmpdir(), "cfy-health-"));
            writeFileSync(join(dir, "calls.jsonl"), "");
            setWorld("active");
            const portFile = join(dir, "api-port");
            api = spawn(join(STANDIN_BIN, "rest-api.py"), [dir, SELF, portFile], { stdio: "ignore" });
            await waitFor(() => existsSync(portFile) && readFileSync(portFile, "utf8") !== "", "the stand-in REST API");
            const apiPort = Number(readFileSync(portFile, "utf8"));
            // The node's rendered service and settings, pointed at the stand-in instead of https://127.0.0.1.
            const script = p.replication.assets.find((a) => a.path.endsWith("/cloudify-health.py"))!;
            const rendered = p.replication.documents[0].config.files.find((f) => f.path.endsWith("/cloudify-health.json"))!;
            const config = JSON.parse(rendered.content) as Record<string, unknown>;
            assert.equal(config.statusUrl, "https://127.0.0.1/api/v3.1/status");
            assert.equal(config.passwordFile, "/etc/ha-service/join-secret");
            healthPort = await freePort();
            writeFileSync(join(dir, "health.py"), script.content);
            writeFileSync(join(dir, "secret"), `${PASSWORD}\n`);
            writeFileSync(
                join(dir, "health.json"),
                JSON.stringify({
                    ...config,
                    listen: "127.0.0.1",
                    port: healthPort,
                    statusUrl: `http://127.0.0.1:${apiPort}/api/v3.1/status`,
                    passwordFile: join(dir, "secret"),
                }),
            );
            health = spawn(python, [join(dir, "health.py"), join(dir, "health.json")], { stdio: "ignore" });
        });
        after(() => {
            health?.kill();
            api?.kill();
            rmSync(dir, { recursive: true, force: true });
        });

        it("answers 200 on the active manager, asking the REST API with the credentials and tenant", async () => {
            setWorld("active");
            assert.deepEqual(await get(healthPort), { status: 200, body: "active" });
            const calls = readFileSync(join(dir, "calls.jsonl"), "utf8")
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { tenant: string });
            assert.equal(calls.at(-1)!.tenant, "default_tenant");
        });

        it("answers 503 on a standby (the REST API's 400)", async () => {
            setWorld("standby");
            assert.deepEqual(await get(healthPort), { status: 503, body: "standby" });
        });

        it("answers 503 when the REST API drops the connection", async () => {
            setWorld("down");
            const r = await get(healthPort);
            assert.equal(r.status, 503);
            assert.match(r.body, /REST API (unreachable|gave no answer)/);
        });

        it("answers 503 when the credentials are wrong, and 200 again once the secret file is right", async () => {
            setWorld("active");
            writeFileSync(join(dir, "secret"), "wrong\n");
            assert.deepEqual(await get(healthPort), { status: 503, body: "the REST API refused the credentials" });
            writeFileSync(join(dir, "secret"), `${PASSWORD}\n`);
            assert.deepEqual(await get(healthPort), { status: 200, body: "active" });
        });

        it("answers 404 on any other path", async () => {
            assert.equal((await get(healthPort, "/api/v3.1/status")).status, 404);
        });

        it("answers 503 when nothing listens on the REST API's port", async () => {
            setWorld("active");
            api?.kill();
            await new Promise((r) => api?.once("exit", r));
            api = undefined;
            const r = await get(healthPort);
            assert.equal(r.status, 503);
            assert.match(r.body, /REST API unreachable/);
        });
    });
}

describe("cloudify health endpoint in the plan (stacks/Pulumi.cloudify.yaml)", () => {
    it("is what every target group health-checks: HTTP on its own port, 200 only", () => {
        for (const tg of p.loadBalancer!.targetGroups) {
            const { protocol, port, path, matcher } = tg.healthCheck;
            assert.deepEqual(
                { protocol, port, path, matcher },
                { protocol: "HTTP", port: HEALTH_PORT, path: HEALTH_PATH, matcher: "200" },
                tg.key,
            );
        }
    });

    it("has its port opened to the nodes from the load balancer's security group only", () => {
        const rules = p.securityGroups
            .flatMap((g) => g.rules.map((r) => ({ group: g.key, ...r })))
            .filter((r) => r.fromPort <= HEALTH_PORT && HEALTH_PORT <= r.toPort);
        assert.deepEqual(
            rules.map((r) => [r.group, r.direction, r.protocol, r.peer]),
            [
                ["nodes", "ingress", "tcp", { group: "loadBalancer" }],
                ["loadBalancer", "egress", "tcp", { group: "nodes" }],
            ],
        );
    });

    it("reads the password from the join secret's file (fetched from the SecureString), never from its settings or unit", () => {
        for (const d of p.replication.documents) {
            for (const f of d.config.files) assert.doesNotMatch(f.content, /password"?\s*[:=]\s*"?[^"/\s]/i, f.path);
            const unit = d.config.files.find((f) => f.path.endsWith(".service"))!.content;
            assert.match(unit, /^Restart=always$/m);
            assert.match(unit, /^WantedBy=multi-user\.target$/m);
        }
    });
});
