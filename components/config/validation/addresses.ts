/**
 * Region and address rules: every value here reaches an AWS API that refuses it (or, for admin
 * CIDRs, accepts something harmful). Pure; each problem names the key path, the value and the fix.
 */
import type { ParsedConfig } from "../schema";
import type { ConfigProblem } from "../spec";

type Add = (path: string, message: string, ...value: unknown[]) => void;

/** A parsed IPv4 CIDR: `base` is the address as an unsigned 32-bit number. */
export interface Cidr {
    readonly base: number;
    readonly bits: number;
}

/** Parses a CIDR the schema already accepted (`z.cidrv4`: canonical octets and prefix). */
export function parseCidr(value: string): Cidr {
    const [ip, bits] = value.split("/");
    const base = ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
    return { base, bits: Number(bits) };
}

export function formatCidr(c: Cidr): string {
    const o = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
    return `${o.join(".")}/${c.bits}`;
}

/** The network address of a block: its host bits cleared. */
export function networkOf(c: Cidr): Cidr {
    const size = 2 ** (32 - c.bits);
    return { base: c.base - (c.base % size), bits: c.bits };
}

/** True when the blocks together cover every IPv4 address (0.0.0.0/0), whatever way they are written. */
export function coversWholeInternet(blocks: readonly Cidr[]): boolean {
    const ranges = blocks
        .map(networkOf)
        .map((c) => [c.base, c.base + 2 ** (32 - c.bits)] as const)
        .sort((a, b) => a[0] - b[0]);
    let reached = 0;
    for (const [start, end] of ranges) {
        if (start > reached) return false;
        reached = Math.max(reached, end);
    }
    return reached >= 2 ** 32;
}

/**
 * Zones, certificates and KMS keys must be in the stack's region (`aws:region`): EC2 refuses a
 * subnet or volume in another region's zone (CreateSubnet/CreateVolume: InvalidParameterValue), ELB
 * refuses a listener certificate from another region (ACM certificates are regional:
 * "To use a certificate with Elastic Load Balancing, you must request or import the certificate in
 * the same Region"), and EBS a KMS key from another region. Without a region (offline tools that
 * read only this project's keys) nothing is compared.
 */
export function regionProblems(cfg: ParsedConfig, region: string | undefined, add: Add): void {
    if (region === undefined) return;
    const fix = `use a zone of ${region} (such as ${region}a) or set \`aws:region\` to the zone's region`;
    const zone = (path: string, z: string) => {
        if (z.slice(0, -1) !== region) add(path, `is not an availability zone of the stack's region aws:region=${region}; ${fix}`, z);
    };
    cfg.network.create?.zones.forEach((z, i) => zone(`network.create.zones[${i}]`, z));
    cfg.network.subnets?.forEach((s, i) => zone(`network.subnets[${i}].zone`, s.zone));
    for (const [key, node] of Object.entries(cfg.nodes ?? {}))
        if (node.zone !== undefined && !cfg.dr?.nodes.includes(key)) zone(`nodes.${key}.zone`, node.zone);
    const arnRegion = (path: string, arn: string | undefined, what: string) => {
        const r = arn?.split(":")[3];
        if (arn !== undefined && r !== undefined && r !== "" && r !== region)
            add(path, `is ${what} in ${r}, but the stack deploys to aws:region=${region}; use one from ${region}`, arn);
    };
    arnRegion("loadBalancer.certificateArn", cfg.loadBalancer?.certificateArn, "an ACM certificate (ACM certificates are regional)");
    arnRegion("dataVolume.kmsKeyId", cfg.dataVolume.kmsKeyId, "a KMS key (EBS encrypts only with a key of its own region)");
}

/**
 * CIDR rules. EC2 CreateVpc refuses a block with host bits set; security-group rules are named
 * from a slug of the CIDR, so one CIDR listed twice is two resources with one URN, which the engine
 * refuses (a CIDR written with leading zeros or an odd prefix, which AWS would echo back otherwise and
 * show as drift on every run, is refused by the schema's `z.cidrv4`). Admin ports must not be reachable from the whole internet,
 * however the blocks are written (Checkov CKV_AWS_24/25/260, Trivy AWS-0107).
 */
export function cidrProblems(cfg: ParsedConfig, add: Add): void {
    const check = (path: string, value: string) => {
        const c = parseCidr(value);
        const net = networkOf(c);
        if (net.base !== c.base) {
            add(path, `has host bits set (EC2 accepts only a network address): write ${formatCidr(net)}`, value);
        }
    };
    if (cfg.network.create) check("network.create.cidr", cfg.network.create.cidr);
    for (const list of ["clientCidrs", "adminCidrs"] as const) {
        const seen = new Map<string, number>();
        cfg.access[list].forEach((value, i) => {
            const path = `access.${list}[${i}]`;
            check(path, value);
            const canonical = formatCidr(networkOf(parseCidr(value)));
            const first = seen.get(canonical);
            if (first !== undefined) add(path, `is the same block as access.${list}[${first}]; list it once`, value);
            else seen.set(canonical, i);
        });
    }
    const admin = cfg.access.adminCidrs;
    if (!admin.some((c) => c.endsWith("/0")) && coversWholeInternet(admin.map(parseCidr)))
        add(
            "access.adminCidrs",
            "together cover the whole internet (0.0.0.0/0), so the admin ports would be open to everyone; list your admin networks only",
            admin,
        );
}

/** A subnet id listed twice: under two zones it puts two zones' nodes in one subnet; ELB refuses duplicates. */
export function subnetProblems(cfg: ParsedConfig, add: Add): void {
    const ids = new Map<string, number>();
    (cfg.network.subnets ?? []).forEach((s, i) => {
        const first = ids.get(s.id);
        if (first !== undefined)
            add(
                `network.subnets[${i}].id`,
                `is already listed as network.subnets[${first}] (a subnet lives in exactly one zone); list each subnet once, with its own zone`,
                s.id,
            );
        else ids.set(s.id, i);
    });
    const lb = new Set<string>();
    (cfg.network.loadBalancerSubnets ?? []).forEach((id, i) => {
        if (lb.has(id)) add(`network.loadBalancerSubnets[${i}]`, "is listed twice; list each subnet once", id);
        lb.add(id);
    });
}

/** All address and region problems of a config. */
export function addressProblems(cfg: ParsedConfig, region: string | undefined): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const add: Add = (path, message, ...value) => problems.push(value.length ? { path, message, value: value[0] } : { path, message });
    regionProblems(cfg, region, add);
    cidrProblems(cfg, add);
    subnetProblems(cfg, add);
    return problems;
}
