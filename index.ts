/**
 * The Pulumi program: read the stack config, plan the topology, build it, export the outputs.
 * Exported as a function (no side effects on import) so tests and tools can run it repeatedly.
 */
import { ConfigError, formatRelaxation, loadSpec } from "./components/config";
import { planTopology } from "./components/plan";
import { backupHostSummary } from "./components/plan/backuphost";
import { departedWithoutRemoval } from "./components/plan/membership";
import { previousMembers } from "./components/previous";
import { Service } from "./components/service";

async function program(): Promise<Record<string, unknown>> {
    const spec = loadSpec();
    const plan = planTopology(spec);
    if (spec.profile.membersLeaveExplicitly?.includes(spec.topology)) {
        const departed = departedWithoutRemoval(spec, await previousMembers());
        if (departed.length > 0) throw new ConfigError(spec.stack, departed, spec.project);
    }
    const service = new Service(plan.name, { plan });
    return {
        topology: plan.topology,
        profile: plan.profile,
        endpoint: service.endpoint,
        dnsName: service.dnsName,
        ...(service.loadBalancerDnsName === undefined ? {} : { loadBalancerDnsName: service.loadBalancerDnsName }),
        ...(plan.primary === undefined ? {} : { primary: plan.primary }),
        nodes: service.nodes,
        replicationDocuments: service.replicationDocuments,
        ...(service.alarmTopicArn === undefined ? {} : { alarmTopicArn: service.alarmTopicArn }),
        ...(plan.backupHost === undefined ? {} : { backupHost: backupHostSummary(plan.backupHost) }),
        failoverAnalysis: plan.failoverAnalysis,
        runbooks: plan.runbooks,
        warnings: plan.warnings,
        // Read by the policy pack: production-only rules, and which secure defaults the stack relaxed.
        production: plan.production,
        relaxations: plan.relaxations.map(formatRelaxation),
    };
}

export = program;
