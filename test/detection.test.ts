/**
 * How fast HA automatic failover can detect a lost primary is bound by what Route 53 accepts: its
 * CLOUDWATCH_METRIC health checks follow standard-resolution alarms only (AWS's Route 53 API model,
 * AlarmIdentifier.Name), so a 10 s high-resolution heartbeat alarm cannot drive DNS failover.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { haConfig, plan } from "./fixtures";

const MODELS = join(__dirname, "..", "..", "shared", "aws-models");

describe("HA detection: what Route 53 health checks can follow", function () {
    it("AWS's Route 53 model refuses high-resolution metrics behind a health check's alarm", function () {
        const file = join(MODELS, "route53-2013-04-01.normal.json");
        // The models live beside the project on the build machines (DESIGN.md), not in CI.
        if (!existsSync(file)) this.skip();
        const model = JSON.parse(readFileSync(file, "utf8")) as {
            shapes: Record<string, { members?: Record<string, { documentation?: string }> }>;
        };
        const doc = model.shapes.AlarmIdentifier.members!.Name.documentation ?? "";
        assert.match(doc, /Standard-resolution metrics\. High-resolution metrics aren't supported\./);
    });

    it("so every alarm behind a Route 53 health check uses standard-resolution periods (whole minutes)", () => {
        for (const p of [plan(haConfig({ failover: "automatic" })), plan(haConfig())]) {
            assert.ok(p.healthChecks.length > 0);
            for (const h of p.healthChecks) {
                assert.equal(h.alarm.period % 60, 0, `${h.key}: ${h.alarm.period} s`);
                assert.ok(h.alarm.period >= 60, `${h.key}: ${h.alarm.period} s`);
            }
        }
    });
});
