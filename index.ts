/**
 * The Pulumi program: read the stack config, build one HaService from it, export its outputs.
 * Exported as a function (no side effects on import) so tests and tools can run it repeatedly.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadSpec, readNamespace } from "./components/config";
import { HaService } from "./components/ha-service";
import type { HaServiceArgs } from "./components/ha-service-args";
import { departedWithoutRemoval } from "./components/plan/membership";
import { previousMembers } from "./components/previous";

async function program(): Promise<Record<string, unknown>> {
    // Stack-file key paths (`ha-service:nodes...`) in every error, before anything is registered.
    const spec = loadSpec();
    if (spec.profile.membersLeaveExplicitly?.includes(spec.topology)) {
        const departed = departedWithoutRemoval(spec, await previousMembers());
        if (departed.length > 0) throw new ConfigError(spec.stack, departed, spec.project);
    }
    // loadSpec accepted these keys, so they have the args' shape.
    const args = readNamespace(pulumi.runtime.allConfig(), spec.project) as unknown as HaServiceArgs;
    const s = new HaService(spec.name, args);
    return {
        topology: s.topology,
        profile: s.profile,
        endpoint: s.endpoint,
        dnsName: s.dnsName,
        ...(s.loadBalancerDnsName === undefined ? {} : { loadBalancerDnsName: s.loadBalancerDnsName }),
        ...(s.primary === undefined ? {} : { primary: s.primary }),
        nodes: s.nodes,
        replicationDocuments: s.replicationDocuments,
        ...(s.alarmTopicArn === undefined ? {} : { alarmTopicArn: s.alarmTopicArn }),
        ...(s.backupHost === undefined ? {} : { backupHost: s.backupHost }),
        failoverAnalysis: s.failoverAnalysis,
        runbooks: s.runbooks,
        warnings: s.warnings,
        // Read by the policy pack: production-only rules, and which secure defaults the stack relaxed.
        production: s.production,
        relaxations: s.relaxations,
    };
}

export = program;
