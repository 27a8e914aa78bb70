/**
 * Subnet layout of a VPC the stack creates: the VPC block cut into 16 blocks (/20s in a /16, never
 * smaller than /27); each zone has a slot i and gets block 2i (private) and 2i+1 (public). A zone's
 * slot is `network.create.zoneSlots[zone]`, by default its letter (a: 0, b: 1, ... h: 7), so it
 * depends on that zone alone: listing the zones in another order, or adding or removing one, never
 * moves another zone's subnets (and so never replaces the nodes in them). Stacks deployed while the
 * slot was the list position keep their addresses: validation (components/config/safeops.ts) accepts the
 * default only where letter and position agree, and asks for explicit slots otherwise.
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

/** Slots 0 to 7: 16 blocks, two per zone. */
export const ZONE_SLOTS = 8;

/** A zone's subnet slot: the configured one, else its letter (us-east-1c: 2). */
export function zoneSlot(zone: string, slots?: Readonly<Record<string, number>>): number {
    return slots?.[zone] ?? zone.charCodeAt(zone.length - 1) - "a".charCodeAt(0);
}

/** Zones in slot order (then by name): the order placement and the NAT gateway follow, whatever the list's order. */
export function zoneOrder(zones: readonly string[], slots?: Readonly<Record<string, number>>): string[] {
    return [...zones].sort((x, y) => zoneSlot(x, slots) - zoneSlot(y, slots) || (x < y ? -1 : x > y ? 1 : 0));
}

export function subnetCidrs(vpcCidr: string, zones: readonly string[], slots?: Readonly<Record<string, number>>): ZoneSubnets[] {
    const [base, bitsText] = vpcCidr.split("/");
    const bits = Number(bitsText);
    // 16 blocks (8 slots x 2) need 4 more bits.
    // An ALB needs subnets of /27 or larger (at least 8 free addresses), and an internal one uses
    // the node subnets; so never cut smaller than /27.
    const subnetBits = Math.min(Math.max(bits + 4, 20), 27);
    const size = 2 ** (32 - subnetBits);
    const start = toInt(base) - (toInt(base) % 2 ** (32 - bits));
    const capacity = Math.min(ZONE_SLOTS, 2 ** (subnetBits - bits) / 2);
    return zoneOrder(zones, slots).map((zone) => {
        const i = zoneSlot(zone, slots);
        if (i < 0 || i >= capacity) {
            throw new Error(`network.create.cidr ${vpcCidr} has subnet slots 0 to ${capacity - 1}; zone ${zone} has slot ${i}`);
        }
        return {
            zone,
            privateCidr: `${toIp(start + 2 * i * size)}/${subnetBits}`,
            publicCidr: `${toIp(start + (2 * i + 1) * size)}/${subnetBits}`,
        };
    });
}

/** Which subnets of a created VPC a load balancer uses. */
export type SubnetTier = "public" | "private";

/**
 * The zone whose public subnet holds the created VPC's single NAT gateway: the zone in the lowest
 * slot, so it never moves when zones are listed in another order (and, with the default letter slots,
 * when zones are added). One gateway keeps the small VPC cheap; the nodes need it only for outbound
 * HTTPS to SSM and update mirrors, not to serve users.
 */
export function natZone(zones: readonly string[], slots?: Readonly<Record<string, number>>): string {
    const zone = zoneOrder(zones, slots)[0];
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
