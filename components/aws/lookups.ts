import * as aws from "./sdk";
import * as pulumi from "@pulumi/pulumi";
import type { AccountContext } from "../plan/iam";

/**
 * The partition, account and region that one service's ARNs and policies name. The components of a
 * service share one `AwsLookups` (buildService makes it), so each data source is called at most once
 * per service instead of once per component, and the region not at all when it is known: a DR
 * resource's own `region` input, or the stack's `aws:region` when the service uses the default AWS
 * provider, which takes its region from that key. Each call is a provider round trip in `pulumi up`
 * (getCallerIdentity an STS request) and an Output every input built from it waits on.
 */
export class AwsLookups {
    private partitionOutput?: pulumi.Output<string>;
    private accountOutput?: pulumi.Output<string>;
    private regionOutput?: pulumi.Output<string>;
    /** The default provider's region, when the calls would go to the default provider. */
    private readonly defaultRegion?: string;

    /** `opts`: the invoke options of every call (`{ parent }` picks the parent's AWS provider, as for its children). */
    constructor(private readonly opts: pulumi.InvokeOutputOptions) {
        const provider = opts.provider ?? opts.parent?.getProvider("aws:index/getRegion:getRegion");
        if (provider === undefined) this.defaultRegion = new pulumi.Config("aws").get("region");
    }

    get partition(): pulumi.Output<string> {
        return (this.partitionOutput ??= aws.getPartitionOutput({}, this.opts).partition);
    }

    get accountId(): pulumi.Output<string> {
        return (this.accountOutput ??= aws.getCallerIdentityOutput({}, this.opts).accountId);
    }

    /** `region`: a DR resource's own region (known); undefined: the provider's region. */
    region(region?: string): pulumi.Input<string> {
        return region ?? this.defaultRegion ?? (this.regionOutput ??= aws.getRegionOutput({}, this.opts).region);
    }

    /** Partition, region (`region`: a DR resource's own) and account together, for the plan's policy builders. */
    context(region?: string): pulumi.Output<AccountContext> {
        return pulumi
            .all([this.partition, this.region(region), this.accountId])
            .apply(([partition, r, accountId]) => ({ partition, region: r, accountId }));
    }
}
