import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { DnsRecordPlan } from "./plan";

export interface DnsRecordsArgs {
    readonly records: readonly DnsRecordPlan[];
    /** Private address of each node, for records that point at a node. */
    readonly nodeAddresses: Readonly<Record<string, pulumi.Input<string>>>;
    readonly loadBalancer?: { readonly dnsName: pulumi.Input<string>; readonly zoneId: pulumi.Input<string> };
}

/** Route 53 records with a low TTL: a plain A record to a node, or an alias to the load balancer. */
export class DnsRecords extends pulumi.ComponentResource {
    readonly fqdns: Readonly<Record<string, pulumi.Output<string>>>;

    constructor(name: string, args: DnsRecordsArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("hatopo:dns:DnsRecords", name, {}, opts);
        const fqdns: Record<string, pulumi.Output<string>> = {};
        for (const r of args.records) {
            let target: Pick<aws.route53.RecordArgs, "ttl" | "records" | "aliases">;
            if (r.target.kind === "loadBalancer") {
                if (!args.loadBalancer) throw new Error(`DNS record ${r.key} aliases a load balancer, but none was built`);
                target = { aliases: [{ name: args.loadBalancer.dnsName, zoneId: args.loadBalancer.zoneId, evaluateTargetHealth: true }] };
            } else {
                const address = args.nodeAddresses[r.target.node];
                if (address === undefined) throw new Error(`DNS record ${r.key} points at unknown node "${r.target.node}"`);
                target = { ttl: r.ttl, records: [address] };
            }
            const record = new aws.route53.Record(
                `${name}-${r.key}`,
                // allowOverwrite off: never silently take over a record someone else manages.
                { zoneId: r.zoneId, name: r.name, type: r.type, allowOverwrite: false, ...target },
                { parent: this },
            );
            fqdns[r.key] = record.fqdn;
        }
        this.fqdns = fqdns;
        this.registerOutputs({ fqdns });
    }
}
