/**
 * Subnet layout of a VPC the stack creates: the VPC block cut into /20s (or smaller for a small
 * VPC); zone i gets block 2i (private) and 2i+1 (public). A zone's blocks depend only on its
 * position in `network.create.zones`, so append zones at the end.
 */
export interface ZoneSubnets {
    readonly zone: string;
    readonly privateCidr: string;
    readonly publicCidr: string;
}

function toInt(ip: string): number {
    return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

function toIp(n: number): string {
    return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".");
}

export function subnetCidrs(vpcCidr: string, zones: readonly string[]): ZoneSubnets[] {
    const [base, bitsText] = vpcCidr.split("/");
    const bits = Number(bitsText);
    // 12 blocks (6 zones x 2) need 4 more bits.
    // An ALB needs subnets of /27 or larger (at least 8 free addresses), and an internal one uses
    // the node subnets; so never cut smaller than /27.
    const subnetBits = Math.min(Math.max(bits + 4, 20), 27);
    const size = 2 ** (32 - subnetBits);
    const start = toInt(base) - (toInt(base) % 2 ** (32 - bits));
    if (zones.length * 2 > 2 ** (subnetBits - bits)) {
        throw new Error(`network.create.cidr ${vpcCidr} is too small for ${zones.length} zones; use a /23 or larger`);
    }
    return zones.map((zone, i) => ({
        zone,
        privateCidr: `${toIp(start + 2 * i * size)}/${subnetBits}`,
        publicCidr: `${toIp(start + (2 * i + 1) * size)}/${subnetBits}`,
    }));
}

/** Which subnets of a created VPC a load balancer uses. */
export type SubnetTier = "public" | "private";

/**
 * The zone whose public subnet holds the created VPC's single NAT gateway: the first zone, so it
 * never moves when zones are appended. One gateway keeps the small VPC cheap; the nodes need it only
 * for outbound HTTPS to SSM and update mirrors, not to serve users.
 */
export function natZone(zones: readonly string[]): string {
    const zone = zones[0];
    if (zone === undefined) throw new Error("a created VPC needs at least one zone for its NAT gateway");
    return zone;
}

/**
 * An internet-facing load balancer sits in the public subnets; an internal one (or none) uses the
 * node subnets.
 */
export function loadBalancerSubnetTier(lb: { readonly internal: boolean } | undefined): SubnetTier {
    return lb !== undefined && !lb.internal ? "public" : "private";
}
