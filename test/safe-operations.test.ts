/**
 * Issue 13, operations 8 to 10: changes that must be safe in one `pulumi up`, proved against the
 * engine's step order (tools/steps.ts) and AWS's own rules, not by reading the code.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { ConfigError, networkZones } from "../components/config";
import { natZone, subnetCidrs } from "../components/common/network";
import { placeNode } from "../components/common/placement";
import { diffRuns } from "../tools/diff";
import { type ProgramRun, type RecordedResource } from "../tools/harness";
import { engineSteps, possibleOrders, type Step } from "../tools/steps";
import { clusterConfig, haConfig, plan, spec, type Raw } from "./fixtures";
import { run } from "./program";

const RECORD = "aws:route53/record:Record";
const MODELS = join(__dirname, "..", "..", "shared", "aws-models");

// ---------------------------------------------------------------------------------------------
// A small Route 53: record sets keyed by name, type and set identifier; each step is one change
// batch (the provider writes an update as DELETE + CREATE in one batch), checked as a whole.

interface RecordSet {
    readonly name: string;
    readonly type: string;
    readonly setIdentifier?: string;
    readonly failover?: string;
}

function recordSet(r: RecordedResource): RecordSet {
    const i = r.inputs as { name: string; type: string; setIdentifier?: string; failoverRoutingPolicies?: { type: string }[] };
    return {
        name: i.name,
        type: i.type,
        ...(i.setIdentifier === undefined ? {} : { setIdentifier: i.setIdentifier }),
        ...(i.failoverRoutingPolicies?.[0] ? { failover: i.failoverRoutingPolicies[0].type } : {}),
    };
}

const id = (s: RecordSet) => `${s.name} ${s.type} ${s.setIdentifier ?? "-"}`;

class Route53 {
    readonly sets = new Map<string, RecordSet>();

    constructor(initial: readonly RecordSet[] = []) {
        for (const s of initial) this.sets.set(id(s), s);
    }

    /** One ChangeResourceRecordSets batch: all or nothing. */
    change(remove: readonly RecordSet[], add: readonly RecordSet[]): void {
        const next = new Map(this.sets);
        for (const s of remove) {
            if (!next.delete(id(s))) throw new Error(`InvalidChangeBatch: DELETE of ${id(s)}, which does not exist`);
        }
        for (const s of add) {
            if (next.has(id(s))) throw new Error(`InvalidChangeBatch: CREATE of ${id(s)}, which already exists`);
            next.set(id(s), s);
        }
        // Route 53 API reference, ResourceRecordSet.Failover: "You can't create non-failover
        // resource record sets that have the same values for the Name and Type elements as failover
        // resource record sets." (A simple record has no set identifier and stands alone.)
        for (const s of next.values()) {
            const others = [...next.values()].filter((o) => o !== s && o.name === s.name && o.type === s.type);
            if (s.setIdentifier === undefined && others.length > 0) {
                throw new Error(
                    `InvalidChangeBatch: RRSet ${s.name} ${s.type} without routing policy conflicts with ${others.map(id).join(", ")}`,
                );
            }
        }
        this.sets.clear();
        for (const [k, v] of next) this.sets.set(k, v);
    }

    apply(step: Step): void {
        if (step.op === "create") this.change([], [recordSet(step.resource)]);
        else if (step.op === "delete") this.change([recordSet(step.resource)], []);
        else this.change([recordSet(step.old!)], [recordSet(step.resource)]);
    }
}

const records = (r: ProgramRun) => r.resources.filter((x) => x.type === RECORD);

/**
 * Applies every order the engine may choose for the record steps from `before` to `after`, starting
 * from `before`'s records; returns the errors (empty: every order works) and the final record sets.
 */
function applyAllOrders(before: ProgramRun, after: ProgramRun): { errors: string[]; orders: number; final: string[] } {
    const orders = possibleOrders(engineSteps(before, after), (s) => s.resource.type === RECORD);
    const errors: string[] = [];
    let final: string[] = [];
    for (const order of orders) {
        const r53 = new Route53(records(before).map(recordSet));
        try {
            for (const s of order) r53.apply(s);
            final = [...r53.sets.keys()].sort();
        } catch (e) {
            errors.push(`${order.map((s) => `${s.op} ${s.resource.name}`).join(" -> ")}: ${(e as Error).message}`);
        }
    }
    return { errors, orders: orders.length, final };
}

/** A run as a stack deployed before this change had it: the record to the primary plain, no routing policy. */
function withPlainRecord(r: ProgramRun): ProgramRun {
    return {
        ...r,
        resources: r.resources.map((x) => {
            if (x.type !== RECORD || x.name !== "svc-dns-service") return x;
            const { setIdentifier: _s, failoverRoutingPolicies: _f, healthCheckId: _h, ...inputs } = x.inputs;
            return { ...x, inputs };
        }),
    };
}

describe("safe operations", function () {
    describe("8. switching failover between manual and automatic", () => {
        const manual = (o: Raw = {}) => haConfig({ primary: "node-1", ...o });
        const automatic = (o: Raw = {}) => manual({ failover: "automatic", ...o });
        let runs: Record<"manual" | "automatic" | "automaticPromoted" | "manualPromoted", ProgramRun>;
        before(async () => {
            runs = {
                manual: await run(manual()),
                automatic: await run(automatic()),
                automaticPromoted: await run(automatic({ primary: "node-2" })),
                manualPromoted: await run(manual({ primary: "node-2" })),
            };
        });

        it("the Route 53 model holds AWS's rule as the API model states it", () => {
            const model = JSON.parse(readFileSync(join(MODELS, "route53-2013-04-01.normal.json"), "utf8"));
            const doc: string = model.shapes.ResourceRecordSet.members.Failover.documentation;
            assert.ok(
                doc.includes(
                    "You can't create non-failover resource record sets that have the same values for the <code>Name</code> and <code>Type</code> elements as failover resource record sets",
                ),
            );
            const plain = { name: "svc", type: "A" };
            const primary = { name: "svc", type: "A", setIdentifier: "primary", failover: "PRIMARY" };
            const secondary = { name: "svc", type: "A", setIdentifier: "secondary", failover: "SECONDARY" };
            assert.throws(() => new Route53([secondary]).change([], [plain]), /without routing policy conflicts/);
            assert.throws(() => new Route53([plain]).change([], [secondary]), /without routing policy conflicts/);
            assert.throws(() => new Route53([primary]).change([], [primary]), /already exists/);
            new Route53([plain]).change([plain], [primary]);
            new Route53([primary]).change([], [secondary]);
        });

        const cases: { what: string; from: keyof typeof runs | "legacyManual"; to: keyof typeof runs; final: string[] }[] = [
            {
                what: "manual -> automatic",
                from: "manual",
                to: "automatic",
                final: ["svc.test.example.com A primary", "svc.test.example.com A secondary"],
            },
            { what: "automatic -> manual", from: "automatic", to: "manual", final: ["svc.test.example.com A primary"] },
            {
                what: "automatic -> manual with a promotion",
                from: "automatic",
                to: "manualPromoted",
                final: ["svc.test.example.com A primary"],
            },
            {
                what: "manual -> automatic with a promotion",
                from: "manual",
                to: "automaticPromoted",
                final: ["svc.test.example.com A primary", "svc.test.example.com A secondary"],
            },
            {
                what: "upgrade of a stack with the former plain record, staying manual",
                from: "legacyManual",
                to: "manual",
                final: ["svc.test.example.com A primary"],
            },
            {
                what: "upgrade of a stack with the former plain record, switching to automatic",
                from: "legacyManual",
                to: "automatic",
                final: ["svc.test.example.com A primary", "svc.test.example.com A secondary"],
            },
        ];
        for (const c of cases) {
            it(`${c.what}: every step order the engine may choose is accepted by Route 53, and the record is never removed`, () => {
                const from = c.from === "legacyManual" ? withPlainRecord(runs.manual) : runs[c.from];
                const to = runs[c.to];
                const steps = engineSteps(from, to);
                const result = applyAllOrders(from, to);
                assert.ok(result.orders >= 1);
                assert.deepEqual(result.errors, []);
                assert.deepEqual(result.final, c.final);
                // The service record is updated in place, never deleted or replaced (no gap in DNS).
                const service = [...steps.program, ...steps.deletes].filter((s) => s.resource.name === "svc-dns-service");
                assert.deepEqual(
                    service.map((s) => `${s.op}${s.replacement ? " (replacement)" : ""}`),
                    ["update"],
                );
            });
        }

        it("the same check refuses the former design (a plain record for manual): the test can fail", () => {
            const result = applyAllOrders(runs.automatic, withPlainRecord(runs.manual));
            assert.ok(result.errors.length > 0);
            for (const e of result.errors)
                assert.match(e, /update svc-dns-service.*without routing policy conflicts with svc.test.example.com A secondary/);
        });

        it("the engine orders the SECONDARY's creation after the PRIMARY's update", () => {
            const steps = engineSteps(withPlainRecord(runs.manual), runs.automatic);
            const i = steps.program.findIndex((s) => s.resource.name === "svc-dns-service");
            const j = steps.program.findIndex((s) => s.resource.name === "svc-dns-service-secondary");
            assert.ok(steps.after[j].includes(i));
        });
    });

    /** The problems of a config that must be refused (key path -> message), or [] when accepted. */
    const problems = (raw: Raw): string[] => {
        try {
            spec(raw);
            return [];
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            return e.problems.map((p) => `${p.path}: ${p.message}`);
        }
    };

    describe("9. the implicit primary", () => {
        const named = {
            "db-a": { zone: "us-east-1a" },
            "db-b": { zone: "us-east-1b" },
            "db-c": { zone: "us-east-1a" },
            "db-d": { zone: "us-east-1b" },
        };
        const cases: { what: string; raw: Raw; refused?: RegExp }[] = [
            {
                what: "an HA `nodes` map without `primary`",
                raw: haConfig({ nodeCount: undefined, nodes: named }),
                refused:
                    /^primary: is required with a `nodes` map: the first entry \(db-a\) would be primary implicitly, and deleting or reordering it would point DNS at a node nobody promoted; set `primary: db-a`/,
            },
            { what: "an HA `nodes` map naming its primary", raw: haConfig({ nodeCount: undefined, nodes: named, primary: "db-b" }) },
            {
                what: "`nodeCount` without `primary` (node-1 is never removed: the count shrinks at the end)",
                raw: haConfig({ nodeCount: 3 }),
            },
            { what: "a cluster (no primary at all)", raw: clusterConfig() },
        ];
        for (const c of cases) {
            it(`${c.refused ? "refuses" : "accepts"} ${c.what}`, () => {
                const found = problems(c.raw);
                if (!c.refused) assert.deepEqual(found, []);
                else {
                    assert.equal(found.length, 1, found.join("\n"));
                    assert.match(found[0], c.refused);
                }
            });
        }

        it("deleting the named primary from the map is refused, not a silent re-point of DNS", () => {
            const { "db-a": _gone, ...rest } = named;
            assert.deepEqual(problems(haConfig({ nodeCount: undefined, nodes: rest, primary: "db-a" })), [
                "primary: must name one of the nodes: db-b, db-c, db-d",
            ]);
            // Deleting another node keeps DNS where it is.
            const { "db-b": _other, ...kept } = named;
            assert.equal(plan(haConfig({ nodeCount: undefined, nodes: kept, primary: "db-a" })).primary, "db-a");
        });
    });

    describe("10. the order of the zones", () => {
        const created = (raw: Raw) => {
            const p = plan(raw);
            assert.equal(p.network.kind, "create");
            const n = p.network as Extract<typeof p.network, { kind: "create" }>;
            return { subnets: n.subnets, natZone: n.natZone, nodes: p.nodes.map((x) => [x.key, x.zone]) };
        };
        const net = (zones: string[], zoneSlots?: Record<string, number>) => ({
            nodeCount: 4,
            network: { create: { cidr: "10.40.0.0/16", zones, ...(zoneSlots ? { zoneSlots } : {}) } },
        });
        const abc = ["us-east-1a", "us-east-1b", "us-east-1c"];

        it("keeps the addresses of every stack listed a, b, c, ... (the positions of the former layout)", () => {
            assert.deepEqual(created(haConfig(net(abc))).subnets, [
                { zone: "us-east-1a", privateCidr: "10.40.0.0/20", publicCidr: "10.40.16.0/20" },
                { zone: "us-east-1b", privateCidr: "10.40.32.0/20", publicCidr: "10.40.48.0/20" },
                { zone: "us-east-1c", privateCidr: "10.40.64.0/20", publicCidr: "10.40.80.0/20" },
            ]);
            assert.deepEqual(created(haConfig(net(abc))).nodes, [
                ["node-1", "us-east-1a"],
                ["node-2", "us-east-1b"],
                ["node-3", "us-east-1c"],
                ["node-4", "us-east-1a"],
            ]);
        });

        const reorders: { what: string; before: Raw; after: Raw; refused?: RegExp }[] = [
            {
                what: "reordering a, b, c without slots",
                before: net(abc),
                after: net(["us-east-1b", "us-east-1a", "us-east-1c"]),
                refused:
                    /^network\.create\.zones: is not listed a, b, c, \.\.\. in order, so us-east-1b at position 0 would move its subnets \(its private subnet 10\.40\.0\.0\/20 by position, 10\.40\.32\.0\/20 by letter\).*set `network\.create\.zoneSlots` to \{ us-east-1b: 0, us-east-1a: 1, us-east-1c: 2 \} to keep the addresses of a stack deployed with this list, or \{ us-east-1b: 1, us-east-1a: 0, us-east-1c: 2 \} to place each zone by its letter/,
            },
            {
                what: "removing zone b from a, b, c without slots",
                before: net(abc),
                after: net(["us-east-1a", "us-east-1c"]),
                refused:
                    /^network\.create\.zones: is not listed a, b, c, \.\.\. in order, so us-east-1c at position 1 would move its subnets/,
            },
            { what: "adding zone d to a, b, c", before: net(abc), after: net([...abc, "us-east-1d"]) },
            {
                what: "reordering zones with explicit slots",
                before: net(abc, { "us-east-1a": 0, "us-east-1b": 1, "us-east-1c": 2 }),
                after: net(["us-east-1c", "us-east-1a", "us-east-1b"], { "us-east-1c": 2, "us-east-1b": 1, "us-east-1a": 0 }),
            },
            {
                what: "a stack deployed with b, a keeping its layout by slots, then reordered",
                before: net(["us-east-1b", "us-east-1a"], { "us-east-1b": 0, "us-east-1a": 1 }),
                after: net(["us-east-1a", "us-east-1b"], { "us-east-1b": 0, "us-east-1a": 1 }),
            },
        ];
        for (const c of reorders) {
            it(`${c.refused ? "refuses" : "moves no subnet, NAT gateway or node on"} ${c.what}`, () => {
                const found = problems(haConfig(c.after));
                if (c.refused) {
                    assert.equal(found.length, 1, found.join("\n"));
                    assert.match(found[0], c.refused);
                    return;
                }
                assert.deepEqual(found, []);
                const [b, a] = [created(haConfig(c.before)), created(haConfig(c.after))];
                for (const s of b.subnets) {
                    const same = a.subnets.find((x) => x.zone === s.zone);
                    if (same) assert.deepEqual(same, s);
                }
                assert.equal(a.natZone, b.natZone);
                if (a.subnets.length === b.subnets.length) assert.deepEqual(a.nodes, b.nodes);
            });
        }

        it("reordering zones with slots registers exactly the same resources (offline program run)", async () => {
            const slots = { "us-east-1a": 0, "us-east-1b": 1, "us-east-1c": 2 };
            const d = diffRuns(
                await run(haConfig(net(abc, slots))),
                await run(haConfig(net(["us-east-1c", "us-east-1b", "us-east-1a"], slots))),
            );
            assert.deepEqual([d.created, d.deleted, d.updated.map((u) => u.key)], [[], [], []]);
        });

        it("property: with slots, any order of any zones gives each zone the same subnets, NAT zone and nodes; zones never overlap", () => {
            const letters = ["a", "b", "c", "d", "e", "f", "g", "h"].map((l) => `us-east-1${l}`);
            const cidrs = fc.constantFrom("10.40.0.0/16", "10.1.2.0/23", "172.16.0.0/20");
            fc.assert(
                fc.property(
                    fc
                        .uniqueArray(fc.constantFrom(...letters), { minLength: 1, maxLength: 6 })
                        .chain((zs) => fc.tuple(fc.constant(zs), fc.shuffledSubarray(zs, { minLength: zs.length }), fc.boolean())),
                    cidrs,
                    ([zs, shuffled, byLetter], cidr) => {
                        const slots = Object.fromEntries(zs.map((z, i) => [z, byLetter ? letters.indexOf(z) : i]));
                        const byZone = (list: string[]) =>
                            Object.fromEntries(subnetCidrs(cidr, list, slots).map((s) => [s.zone, [s.privateCidr, s.publicCidr]]));
                        assert.deepEqual(byZone(shuffled), byZone(zs));
                        assert.equal(natZone(shuffled, slots), natZone(zs, slots));
                        const order = (list: string[]) => networkZones({ kind: "create", cidr, zones: list, zoneSlots: slots });
                        for (let ordinal = 1; ordinal <= 7; ordinal++) {
                            const node = {
                                key: `node-${ordinal}`,
                                ordinal,
                                instanceType: "t",
                                ami: "a",
                                roles: [],
                                dataVolumeSize: 1,
                                allowReplacement: false,
                            };
                            assert.equal(placeNode(node, order(shuffled)), placeNode(node, order(zs)));
                        }
                        const all = Object.values(byZone(zs)).flat();
                        assert.equal(new Set(all).size, all.length);
                        // With letter slots, a zone's subnets do not depend on which other zones are listed.
                        if (byLetter) for (const z of zs) assert.deepEqual(byZone([z])[z], byZone(zs)[z]);
                    },
                ),
                { numRuns: 200 },
            );
        });

        it("refuses slots that are missing, unknown or shared", () => {
            assert.deepEqual(problems(haConfig(net(abc, { "us-east-1a": 0, "us-east-1b": 1, "us-east-1d": 2 }))), [
                "network.create.zoneSlots: must give every zone of network.create.zones a slot (0 to 7); add us-east-1c",
                "network.create.zoneSlots.us-east-1d: is not one of network.create.zones; remove it",
            ]);
            assert.deepEqual(problems(haConfig(net(abc, { "us-east-1a": 0, "us-east-1b": 1, "us-east-1c": 1 }))), [
                "network.create.zoneSlots.us-east-1c: is also the slot of us-east-1b; give each zone its own slot (0 to 7)",
            ]);
            assert.match(
                problems(haConfig(net(abc, { "us-east-1a": 0, "us-east-1b": 1, "us-east-1c": 8 })))[0],
                /^network\.create\.zoneSlots\.us-east-1c: must be a whole number of slots from 0 to 7/,
            );
        });

        it("spreads `nodeCount` nodes over existing subnets in zone order; a list in another order is refused", () => {
            const subnets = (zones: string[]) =>
                clusterConfig({
                    topology: "ha",
                    nodes: undefined,
                    nodeCount: 3,
                    loadBalancer: undefined,
                    network: {
                        vpcId: "vpc-0a1b2c3d4e5f60718",
                        subnets: zones.map((zone, i) => ({ id: `subnet-0aaa1111bbbb222${i}`, zone })),
                    },
                });
            assert.deepEqual(
                plan(subnets(abc)).nodes.map((n) => n.zone),
                abc,
            );
            assert.deepEqual(problems(subnets(["us-east-1c", "us-east-1a", "us-east-1b"])), [
                "network.subnets: `nodeCount` nodes are spread over the zones in zone order (us-east-1a, us-east-1b, us-east-1c), never in the list's order: list the subnets in that order; a stack deployed with this list placed node-1 in its first zone, so to keep every node where it is replace `nodeCount` by `nodes` naming each node's zone",
            ]);
        });
    });
});
