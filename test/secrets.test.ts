/**
 * Secret config values in a real `pulumi up`: the program reads its config as plain values, so
 * without marking them the values of secret keys would reach resource inputs and stack outputs as
 * plain text (and so the state). The harness is given ordinary values here (not the stand-in text
 * of an encrypted `secure:` entry, which the offline plan masks by itself), so only the program's own
 * marking can make them secret.
 */
import assert from "node:assert/strict";
import program = require("../index");
import { holdsSecret, SECRET_SUBSTRING_MIN } from "../components/aws/secrets";
import { secretTexts } from "../components/config/secrets";
import { runProgram, type ProgramRun } from "../tools/harness";
import { DEFAULT_PROJECT, readStackFile } from "../tools/stackfile";

const OWNER = "alice.smith@example.com";

describe("secret config values (pulumi config set --secret) reach inputs and outputs as secrets", function () {
    this.timeout(60_000);
    const ns = DEFAULT_PROJECT;
    const config = (): Record<string, string> => {
        const c = readStackFile("dev");
        return { ...c, [`${ns}:tags`]: JSON.stringify({ ...(JSON.parse(c[`${ns}:tags`]) as object), Owner: OWNER }) };
    };
    const run = async (secretConfigKeys: string[]): Promise<ProgramRun> => {
        const r = await runProgram(program, { stack: "dev", config: config(), secretConfigKeys, recordOutputs: true });
        assert.equal(r.error, undefined, String(r.error));
        return r;
    };
    const tagged = (r: ProgramRun) => r.resources.filter((x) => (x.inputs.tags as Record<string, unknown> | undefined)?.Owner === OWNER);

    it("collects every text of the project's secret keys, and only of those", () => {
        const all = {
            [`${ns}:tags`]: JSON.stringify({ Owner: OWNER, Cost: 42, List: ["x-1"] }),
            [`${ns}:name`]: "svc",
            "aws:secretKey": "AKIA-not-ours",
            [`${ns}:dns`]: "plain-not-json",
        };
        const secret = new Set([`${ns}:tags`, "aws:secretKey", `${ns}:dns`]);
        assert.deepEqual(
            secretTexts(all, (k) => secret.has(k), ns),
            [OWNER, "plain-not-json", "x-1", "42"],
        );
        assert.deepEqual(
            secretTexts(all, () => false, ns),
            [],
        );
    });

    it("counts a string as secret when it is a secret text, or holds one that is not too short to be one by chance", () => {
        assert.ok(holdsSecret("dev", ["dev"]));
        assert.ok(!holdsSecret("svc.dev.example.com", ["dev"]), "a short text only matches whole");
        assert.ok(holdsSecret(`owner=${OWNER};`, [OWNER]));
        assert.equal(SECRET_SUBSTRING_MIN, 6);
        assert.ok(holdsSecret("x-abcdef-y", ["abcdef"]) && !holdsSecret("x-abcde-y", ["abcde"]));
    });

    it("marks the secret key's values secret in every resource's inputs, and nothing else", async () => {
        const r = await run([`${ns}:tags`]);
        const withOwner = tagged(r);
        assert.ok(withOwner.length > 10, `${withOwner.length} resources carry the Owner tag`);
        for (const x of withOwner) {
            // The whole key is secret (Pulumi's rule), so each of its values is; the other inputs are not.
            assert.ok(
                x.secretPaths.includes("tags.Owner") && x.secretPaths.includes("tags.Environment"),
                `${x.name}: ${x.secretPaths.join(", ")}`,
            );
            assert.equal((x.maskedInputs.tags as Record<string, unknown>).Owner, "[secret]");
            assert.ok(!x.secretPaths.includes("tags.Name"), `${x.name}: its Name tag is not a config value`);
            // The provider's merged tags hold the same values: that output is marked too.
            assert.ok(x.additionalSecretOutputs.includes("tagsAll"), `${x.name}: ${x.additionalSecretOutputs.join(", ")}`);
        }
        // Nothing a component or the stack registers as outputs (kept in the state) holds the value.
        const plain = r.registeredOutputs.filter((o) => JSON.stringify(o.masked).includes(OWNER));
        assert.deepEqual(
            plain.map((o) => o.urn),
            [],
        );
        const instance = r.resources.find((x) => x.type === "aws:ec2/instance:Instance")!;
        assert.ok(!instance.secretPaths.includes("instanceType"), instance.secretPaths.join(", "));
    });

    it("marks nothing without secret keys: the same values stay plain", async () => {
        const r = await run([]);
        const withOwner = tagged(r);
        assert.ok(withOwner.length > 10);
        for (const x of withOwner) {
            assert.ok(!x.secretPaths.some((p) => p.startsWith("tags.")), `${x.name}: ${x.secretPaths.join(", ")}`);
            assert.ok(!x.additionalSecretOutputs.includes("tagsAll"), x.name);
        }
        assert.deepEqual(r.secretOutputs, []);
    });

    it("marks a secret DNS name where it lands whole (the record) and inside longer texts, and the outputs that hold it", async () => {
        const r = await run([`${ns}:dns`]);
        const name = (JSON.parse(config()[`${ns}:dns`]) as { name: string }).name;
        const records = r.resources.filter((x) => x.type === "aws:route53/record:Record");
        assert.ok(records.length > 0);
        for (const x of records) {
            assert.ok(x.secretPaths.includes("name") && x.secretPaths.includes("zoneId"), `${x.name}: ${x.secretPaths.join(", ")}`);
            assert.ok(x.additionalSecretOutputs.includes("fqdn"), `${x.name}: the record's fqdn is its name`);
        }
        assert.ok(r.secretOutputs.includes("dnsName") && r.secretOutputs.includes("endpoint"), r.secretOutputs.join(", "));
        // Every input that holds the name somewhere is secret, and so is every registered output.
        const plain = r.resources.filter((x) => JSON.stringify(x.maskedInputs).includes(name));
        assert.deepEqual(
            plain.map((x) => x.name),
            [],
        );
        // urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>
        const service = r.registeredOutputs.find((o) => o.urn.split("::")[2].endsWith("$ha-topologies:index:HaService"));
        assert.ok(service, r.registeredOutputs.map((o) => o.urn).join("\n"));
        assert.ok(service.secretPaths.includes("dnsName") && service.secretPaths.includes("endpoint"), service.secretPaths.join(", "));
        assert.deepEqual(
            r.registeredOutputs.filter((o) => JSON.stringify(o.masked).includes(name)).map((o) => o.urn),
            [],
        );
    });
});
