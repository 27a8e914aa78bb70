/**
 * The stack config schema: every key, its type, its default and why. Pure (no Pulumi imports), so
 * the offline tools, the README generator and the policy pack read the same definition.
 *
 * Defaults that depend on the service profile (load-balancer kind, listeners, health check) are
 * left unset here and filled in by `config.ts`, in one place.
 */
import { distance } from "fastest-levenshtein";
import { z } from "zod";
import { profileNames } from "../profiles";

/** The Pulumi project name, and so the config namespace (`ha-service:topology`). */
export const CONFIG_NAMESPACE = "ha-service";

/** A DNS label: node names become host names and resource names, so they must be safe in both. */
const NODE_NAME = /^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/;
/** EC2 ids as the console and the API print them (the EC2 API model gives the id no pattern). */
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
/** The candidate within edit distance 2 of `word` (case-insensitive), for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = 3;
    for (const c of candidates) {
        const d = distance(word.toLowerCase(), c.toLowerCase());
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best;
}

/** A strict object: an unknown key is an error that lists the valid keys (a typo must not drop a setting). */
function obj<T extends z.core.$ZodLooseShape>(shape: T) {
    const known = Object.keys(shape);
    return z.strictObject(shape, {
        error: (iss) => {
            if (iss.code === "unrecognized_keys") {
                const hints = iss.keys.map((k) => {
                    const guess = closest(k, known);
                    return guess ? `"${k}" (did you mean "${guess}"?)` : `"${k}"`;
                });
                return `unknown key ${hints.join(", ")}; valid keys here: ${known.join(", ")}`;
            }
            if (iss.code === "invalid_type") return "must be an object (a YAML map)";
            return undefined;
        },
    });
}

function int(min: number, max: number, unit: string, why?: string) {
    const range = `a whole number of ${unit} from ${min} to ${max}${why ? ` (${why})` : ""}`;
    return z
        .number({ error: `must be ${range}` })
        .int({ error: `must be ${range}` })
        .min(min, { error: `must be ${range}` })
        .max(max, { error: `must be ${range}` });
}

function str(what: string) {
    return z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}, not empty` });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
    return z.enum(values, { error: `must be one of: ${values.join(", ")}` });
}

const bool = () => z.boolean({ error: "must be true or false" });

/** zod's IPv4 CIDR format: octets 0-255 and a prefix 0-32, written without leading zeros (as AWS echoes them back). */
const cidr = z.cidrv4({
    error: (iss) =>
        iss.code === "invalid_type"
            ? "must be a CIDR block such as 10.0.0.0/16"
            : "is not a valid IPv4 CIDR block (octets 0-255 without leading zeros, prefix /0 to /32); write it like 10.0.0.0/16",
});

const nodeName = z.string({ error: "must be a node name" }).regex(NODE_NAME, {
    error: "must be a DNS label: 1 to 32 lower-case letters, digits or '-', starting with a letter and not ending with '-'",
});

const zoneName = z
    .string({ error: "must be an availability zone name such as us-east-1a" })
    .regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, { error: "must be an availability zone name such as us-east-1a" });

const port = int(1, 65535, "port", "TCP/UDP port");

export const NodeSettingsSchema = obj({
    zone: zoneName.optional().describe("Availability zone for this node; required when the network has more than one zone."),
    instanceType: str("an EC2 instance type such as m6i.xlarge").optional().describe("Overrides `instanceType` for this node."),
    ami: str("an AMI id such as ami-0123456789abcdef0")
        .regex(/^ami-[0-9a-f]{8,17}$/, { error: "must be an AMI id such as ami-0123456789abcdef0" })
        .optional()
        .describe("Overrides `ami` for this node."),
    roles: z
        .array(str("a role name"), { error: "must be a list of role names" })
        .optional()
        .describe("Cluster roles of this node (cluster topology only); default: the profile's default roles."),
    dataVolumeSize: int(1, 16384, "GiB", "gp3 volume size").optional().describe("Overrides `dataVolume.size` for this node."),
    allowReplacement: bool()
        .default(false)
        .describe(
            "Let an AMI or user-data change replace this running node. Off by default, so such changes never replace a node silently.",
        ),
});

const HealthCheckSchema = obj({
    protocol: oneOf(["HTTP", "HTTPS", "TCP"]).optional().describe("Health-check protocol; default: the profile's."),
    port: port.optional().describe("Port on the node the check probes; default: the profile's."),
    path: z
        .string({ error: "must be an HTTP path starting with /" })
        .startsWith("/", { error: "must be an HTTP path starting with /" })
        .optional()
        .describe("Path for HTTP(S) checks; default: the profile's (for example /status)."),
    matcher: str("HTTP codes such as 200 or 200-299")
        .optional()
        .describe("HTTP codes that count as healthy, as a list or ranges (ALB: 200 to 499, NLB: 200 to 599); default: the profile's."),
    interval: int(5, 300, "seconds", "AWS target-group limit")
        .default(5)
        .describe(
            "Seconds between checks. 5 s (AWS's minimum for ALB and NLB) takes a failed node out in about 10 s and puts a promoted HA primary in after about 10 s; AWS's own default (30 s) takes minutes.",
        ),
    timeout: int(2, 120, "seconds", "AWS target-group limit")
        .default(4)
        .describe("Seconds before one check counts as failed; less than the interval."),
    healthyThreshold: int(2, 10, "checks", "AWS target-group limit")
        .default(2)
        .describe("Passing checks before a node is put back in service."),
    unhealthyThreshold: int(2, 10, "checks", "AWS target-group limit")
        .default(2)
        .describe("Failing checks before a node is taken out of service."),
});

const ListenerSchema = obj({
    port: port.describe("Port the load balancer listens on."),
    protocol: oneOf(["HTTPS", "TCP", "UDP", "TCP_UDP", "TLS"]).describe(
        "Listener protocol: HTTPS on an ALB; TCP, UDP, TCP_UDP or TLS on an NLB.",
    ),
    targetPort: port.optional().describe("Port on the nodes; default: the listener port."),
    targetProtocol: oneOf(["HTTP", "HTTPS", "TCP", "UDP", "TCP_UDP", "TLS"])
        .optional()
        .describe("Protocol to the nodes; default: HTTP behind an HTTPS listener, else the listener protocol."),
});

/** The GHES backup host (`ghesBackup`); its rules beyond a single key are in ghes-backup-config.ts. */
const GhesBackupSchema = obj({
    ami: str("an AMI id such as ami-0123456789abcdef0")
        .regex(/^ami-[0-9a-f]{8,17}$/, { error: "must be an AMI id such as ami-0123456789abcdef0" })
        .describe(
            "AMI of the backup host: a Linux image (Ubuntu recommended by backup-utils) with bash, git, OpenSSH 5.6+, rsync 2.6.4+, jq 1.5+, bc 1.07+, curl and the AWS CLI; the bootstrap refuses to run without them.",
        ),
    ghesVersion: z
        .string({ error: "must be a GHES feature release such as 3.16" })
        .regex(/^\d+\.\d+$/, { error: "must be a GHES feature release such as 3.16" })
        .describe("GHES feature release the nodes run (such as 3.16); selects Backup Utilities and is checked against `utilsVersion`."),
    utilsVersion: z
        .string({ error: "must be a Backup Utilities release such as 3.16.0" })
        .regex(/^\d+\.\d+\.\d+$/, { error: "must be a Backup Utilities release such as 3.16.0" })
        .optional()
        .describe(
            "Backup Utilities release to install; default: `<ghesVersion>.0`. It must be the GHES release or at most two feature releases newer.",
        ),
    utilsSha256: z
        .string({ error: "must be a SHA-256 hex digest" })
        .regex(/^[0-9a-f]{64}$/, { error: "must be a SHA-256 hex digest (64 lower-case hex digits)" })
        .optional()
        .describe(
            "SHA-256 of the release archive; the bootstrap refuses an archive that does not match. Default: not checked (the plan warns).",
        ),
    instanceType: str("an EC2 instance type such as m6i.xlarge")
        .default("m6i.xlarge")
        .describe("Instance type of the backup host; Backup Utilities recommends at least 4 cores and 8 GB of memory."),
    zone: zoneName
        .optional()
        .describe(
            "Availability zone of the backup host and its volume; default: the last zone of the network (the primary is usually in the first).",
        ),
    dataVolumeSize: int(1, 16384, "GiB", "gp3 volume size")
        .optional()
        .describe(
            "Size of the backup host's encrypted data volume; default: five times the largest node data volume (GitHub's sizing), at most 16384.",
        ),
    schedule: z
        .string({ error: "must be a cron schedule such as 0 * * * *" })
        .regex(/^(\S+\s+){4}\S+$/, { error: "must be a five-field cron schedule such as 0 * * * *" })
        .default("0 * * * *")
        .describe("cron(8) schedule of `ghe-backup` on the backup host (UTC); default hourly, as GitHub recommends."),
    snapshots: int(1, 1000, "snapshots")
        .default(10)
        .describe(
            "`GHE_NUM_SNAPSHOTS`: snapshots Backup Utilities keeps (older ones are pruned after each backup); default 10, its own default.",
        ),
});

/** An existing subnet `{ id, zone }` (its zone known offline, so no lookup). */
function subnetRef(zoneDescription: string) {
    return obj({
        id: z
            .string({ error: "must be a subnet id such as subnet-0123456789abcdef0" })
            .regex(/^subnet-[0-9a-f]{8,17}$/, { error: "must be a subnet id such as subnet-0123456789abcdef0" })
            .describe("Subnet id."),
        zone: zoneName.describe(zoneDescription),
    });
}

/** The DR region of an HA stack (`dr`); its cross-key rules are in dr-config.ts. */
const DrSchema = obj({
    region: z
        .string({ error: "must be an AWS region such as us-west-2" })
        // The pattern and length AWS gives region names (Data Lifecycle Manager's TargetRegion).
        .regex(/^([a-z]+-){2,3}\d$/, { error: "must be an AWS region name such as us-west-2" })
        .max(16, { error: "must be an AWS region name such as us-west-2 (at most 16 characters)" })
        .describe("The second region: the DR replicas, their network and the snapshot copies live there."),
    nodes: z
        .array(nodeName, { error: "must be a list of node names" })
        .min(1, { error: "must list at least one node of `nodes` that runs in the DR region" })
        .describe("Nodes (of `nodes`) that run in the DR region; their `zone` must be one of `dr.network`'s zones."),
    network: obj({
        create: obj({
            cidr: cidr.describe("CIDR block of the DR VPC: /16 to /23, not overlapping the main VPC."),
            zones: z
                .array(zoneName, { error: "must be a list of availability zones" })
                .min(1, { error: "must list at least one availability zone" })
                .max(6, { error: "must list at most 6 availability zones" })
                .describe("Zones of the DR region to create subnets in (slot: the zone's letter)."),
        })
            .optional()
            .describe("Create the DR VPC (private and public subnets, one NAT gateway), as `network.create` does."),
        vpcId: z
            .string({ error: "must be a VPC id such as vpc-0123456789abcdef0" })
            .regex(/^vpc-[0-9a-f]{8,17}$/, { error: "must be a VPC id such as vpc-0123456789abcdef0" })
            .optional()
            .describe("Existing VPC in the DR region (with `subnets`)."),
        cidr: cidr.optional().describe("Existing VPC only: its CIDR block, so the stack can check it does not overlap the main VPC."),
        subnets: z
            .array(subnetRef("The subnet's availability zone (in `dr.region`)."), {
                error: "must be a list of { id, zone }",
            })
            .optional()
            .describe("Existing private subnets of the DR VPC, one per zone, each with its zone."),
    }).describe("The DR region's network: `create` a VPC, or an existing `vpcId` with `subnets`."),
    connection: obj({
        peering: bool()
            .default(true)
            .describe("Create an inter-region VPC peering between the two created VPCs, and routes to it in both."),
        existing: z
            .string({ error: "must be a transit gateway or peering id such as tgw-0123456789abcdef0" })
            .regex(/^(tgw|pcx)-[0-9a-f]{8,17}$/, { error: "must be a transit gateway or peering id such as tgw-0123456789abcdef0" })
            .optional()
            .describe("An existing transit gateway or VPC peering that already routes between the two VPCs (set `peering: false`)."),
    })
        .default({ peering: true })
        .describe("How the two regions' networks reach each other."),
    promoted: bool()
        .default(false)
        .describe("Allow `primary` to be a DR node (after a region failover); off, a DR primary is refused as a likely mistake."),
    backups: obj({
        copy: bool().default(true).describe("Copy every data-volume snapshot to the DR region (Data Lifecycle Manager cross-region copy)."),
        keepDays: int(1, 36500, "days", "Data Lifecycle Manager limit: 100 years")
            .default(14)
            .describe("Days the DR region keeps each copied snapshot."),
        kmsKeyArn: z
            .string({ error: "must be a KMS key ARN" })
            .regex(/^arn:aws(-[a-z]{1,3}){0,2}:kms:([a-z]+-){2,3}\d:\d+:key\/.+$/, { error: "must be a KMS key ARN (not an alias)" })
            .optional()
            .describe("KMS key in the DR region that encrypts the copies; default: a key the stack creates there."),
    })
        .default({ copy: true, keepDays: 14 })
        .describe("Snapshot copies in the DR region."),
});

export const ConfigSchema = obj({
    name: z
        .string({ error: "must be a short name" })
        .regex(/^[a-z][a-z0-9-]{0,14}$/, {
            error: "must be 1 to 15 lower-case letters, digits or '-', starting with a letter (it prefixes AWS names with length limits)",
        })
        // AWS refuses security groups named sg-*, load balancers named internal-* and SSM documents
        // named aws*/amazon*/amzn*; every such name here starts with the service name.
        .refine((n) => !/^(sg-|internal-|aws|amazon|amzn)/.test(n), {
            error: "must not start with sg-, internal-, aws, amazon or amzn (AWS reserves those prefixes for security groups, load balancers and SSM documents)",
        })
        .default("svc")
        .describe("Short service name; prefixes every resource name."),
    topology: oneOf(["ha", "cluster"]).describe(
        "`ha`: one primary, replicas, promotion by config. `cluster`: nodes with roles behind a health-checked load balancer.",
    ),
    profile: oneOf(profileNames)
        .default("generic")
        .describe(`Service profile: ${profileNames.join(", ")}.`),
    production: bool()
        .default(false)
        .describe("Production stack: turns on load-balancer deletion protection and data-volume protection by default."),
    relax: obj({
        singleZone: bool()
            .default(false)
            .describe(
                "Allow every node in one availability zone (a region or account with one usable zone, a throwaway test stack). Losing that zone loses the service.",
            ),
        slowHealthChecks: bool()
            .default(false)
            .describe(
                "Allow `loadBalancer.healthCheck.interval` above 30 s (a health endpoint too expensive to probe often). A failed node then stays in rotation for minutes.",
            ),
        loadBalancerWithoutAccessLogs: bool()
            .default(false)
            .describe(
                "Production stack: allow a load balancer without `loadBalancer.accessLogs` (no log bucket yet, or requests are logged elsewhere).",
            ),
        loadBalancerWithoutDeletionProtection: bool()
            .default(false)
            .describe(
                "Production stack: allow `loadBalancer.deletionProtection: false` (decommissioning the stack, or replacing the load balancer on purpose).",
            ),
        unprotectedDataVolumes: bool()
            .default(false)
            .describe(
                "Production stack: allow `dataVolume.protect: false` or `dataVolume.retainOnDelete: false` (decommissioning the stack, or migrating the data elsewhere first).",
            ),
    })
        .default({
            singleZone: false,
            slowHealthChecks: false,
            loadBalancerWithoutAccessLogs: false,
            loadBalancerWithoutDeletionProtection: false,
            unprotectedDataVolumes: false,
        })
        .describe(
            "Named switches that relax one secure default each. Every switch that takes effect is listed in the plan, the `relaxations` output and by the policy pack; none is on by default.",
        ),
    nodes: z
        .record(nodeName, NodeSettingsSchema, {
            error: (iss) => (iss.code === "invalid_type" ? "must be a map of node name to node settings" : undefined),
        })
        .optional()
        .describe(
            "Nodes keyed by name. Names are stable identities: adding or removing one never touches another. Use this or `nodeCount`.",
        ),
    nodeCount: int(1, 200, "nodes")
        .optional()
        .describe(
            "Number of nodes, named `node-1` ... `node-N` and spread round-robin over the zones; grows and shrinks at the end. Use this or `nodes`.",
        ),
    removedNodes: z
        .array(nodeName, { error: "must be a list of node names" })
        .default([])
        .describe(
            "Names of nodes removed from the stack. They are never used again (GHES forbids reusing a cluster host name), and profiles that must tell the cluster about a removal read them (cloudify: `cfy cluster nodes remove`). Add a node's name when you delete it from `nodes` or shrink `nodeCount`; never take one out.",
        ),
    leaders: z
        .record(str("a role name"), nodeName, {
            error: (iss) => (iss.code === "invalid_type" ? "must be a map of role name to node name" : undefined),
        })
        .optional()
        .describe(
            "Cluster only: the node that leads each single-leader role of the profile (ghes: `mysql-server` and `redis-server`, written as mysql-master and redis-master in cluster.conf; cloudify: `manager`, the node that starts the cluster, that the others join and that removes nodes). Default: the first node, in config order, with the role.",
        ),
    failover: oneOf(["manual", "automatic"])
        .default("manual")
        .describe(
            "HA only: `manual` (promote by changing `primary`) or `automatic` (only where the profile allows it). Behind a load balancer (`dns.target: loadBalancer`): each node sends a heartbeat every 10 s and, after 3 x 10 s without the primary's, a runbook stops the primary and promotes the secondary, which the load balancer then routes to. With `dns.target: primary`: Route 53 failover records whose health checks follow the nodes' status-check alarms (2 x 60 s by default).",
        ),
    primary: nodeName
        .optional()
        .describe(
            "HA only: the node that is primary. Change it to promote a replica. Required with a `nodes` map (deleting or reordering its first entry must never re-point DNS); with `nodeCount` the default is `node-1`.",
        ),
    instanceType: str("an EC2 instance type such as m6i.xlarge")
        .default("m6i.xlarge")
        .describe("EC2 instance type of every node (family.size; with monitoring on, an EBS-only type so the recover alarm can act)."),
    ami: str("an AMI id such as ami-0123456789abcdef0")
        .regex(/^ami-[0-9a-f]{8,17}$/, { error: "must be an AMI id such as ami-0123456789abcdef0" })
        .describe("AMI of every node. Changing it does not replace running nodes unless the node sets `allowReplacement`."),
    rootVolumeSize: int(8, 16384, "GiB").default(50).describe("Encrypted gp3 root volume size."),
    dataVolume: obj({
        size: int(1, 16384, "GiB", "gp3 volume size").default(100).describe("Size of each node's data volume."),
        iops: int(3000, 16000, "IOPS", "gp3 limit")
            .optional()
            .describe("Provisioned gp3 IOPS, at most 500 per GiB of each node's data volume; default: the gp3 baseline (3000)."),
        throughput: int(125, 1000, "MiB/s", "gp3 limit")
            .optional()
            .describe("Provisioned gp3 throughput, at most IOPS/4; default: the gp3 baseline (125)."),
        kmsKeyId: str("a KMS key ARN")
            .optional()
            .describe("KMS key ARN (not an alias or key id) in the stack's region for the data volumes; default: the account's EBS key."),
        deviceName: z
            .string({ error: "must be a device name such as /dev/sdf" })
            .regex(/^\/dev\/(sd[f-p]|xvd[f-p])$/, { error: "must be a device name from /dev/sdf to /dev/sdp" })
            .default("/dev/sdf")
            .describe("Device name the data volume is attached as."),
        retainOnDelete: bool().default(true).describe("Keep the volume in AWS when its node is removed from config."),
        protect: bool().optional().describe("Refuse to delete the volume through Pulumi; default: `production`."),
    })
        .default({ size: 100, deviceName: "/dev/sdf", retainOnDelete: true })
        .describe("Encrypted gp3 data volume, one per node."),
    network: obj({
        create: obj({
            cidr: cidr
                .default("10.40.0.0/16")
                .describe(
                    "CIDR block of the VPC the stack creates: /16 to /23 (its subnets are never smaller than /27, the least an ALB accepts).",
                ),
            zones: z
                .array(zoneName, { error: "must be a list of availability zones" })
                .min(1, { error: "must list at least one availability zone" })
                .max(6, { error: "must list at most 6 availability zones" })
                .describe(
                    "Zones to create a private and a public subnet in. Their order does not matter: each zone's subnets sit in its slot (`zoneSlots`).",
                ),
            zoneSlots: z
                .record(zoneName, int(0, 7, "slots"), { error: "must be a map of zone name to slot (0 to 7)" })
                .optional()
                .describe(
                    "Per zone, the slot of its subnets in the VPC block (slot i: private subnet block 2i, public 2i+1). Default: the zone's letter (a: 0, b: 1, ...), allowed only while `zones` is listed a, b, c, ... in order; otherwise set every zone's slot (for a stack deployed before slots existed: its position in the list it was deployed with).",
                ),
        })
            .optional()
            .describe(
                "Create a small VPC: private subnets for the nodes, public subnets for a NAT gateway and an internet-facing load balancer.",
            ),
        vpcId: z
            .string({ error: "must be a VPC id such as vpc-0123456789abcdef0" })
            .regex(/^vpc-[0-9a-f]{8,17}$/, { error: "must be a VPC id such as vpc-0123456789abcdef0" })
            .optional()
            .describe("Existing VPC to use (with `subnets`)."),
        subnets: z
            .array(subnetRef("The subnet's availability zone."), { error: "must be a list of { id, zone }" })
            .optional()
            .describe("Existing private subnets for the nodes, one per zone, each with its zone (known offline, so no lookup)."),
        loadBalancerSubnets: z
            .array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, { error: "must be a subnet id such as subnet-0123456789abcdef0" }), {
                error: "must be a list of subnet ids",
            })
            .optional()
            .describe("Existing subnets for the load balancer; default: `subnets` (internal) - set public subnets for internet-facing."),
    }).describe("Where the nodes run: `create` a VPC, or an existing `vpcId` with `subnets`."),
    access: obj({
        clientCidrs: z
            .array(cidr, { error: "must be a list of CIDR blocks" })
            .default([])
            .describe(
                "Networks clients connect from: allowed to the load balancer (or to the nodes' user ports without one). List at least one here or in `clientSecurityGroups`.",
            ),
        adminCidrs: z
            .array(cidr, { error: "must be a list of CIDR blocks" })
            .default([])
            .describe("Networks allowed to the admin ports; empty: admin ports reachable only through SSM."),
        clientSecurityGroups: z
            .array(
                z
                    .string({ error: "must be a security group id such as sg-0123456789abcdef0" })
                    .regex(SECURITY_GROUP_ID, { error: "must be a security group id such as sg-0123456789abcdef0" }),
                { error: "must be a list of security group ids" },
            )
            .default([])
            .describe(
                "Security groups clients connect from (for example an application's group in the same VPC or a peered one), allowed where `clientCidrs` are.",
            ),
    })
        // Nobody could reach the service: a stack with no clients is a typo, not a choice.
        .refine((a) => a.clientCidrs.length + a.clientSecurityGroups.length > 0, {
            error: "must list at least one CIDR block that clients connect from, or set `access.clientSecurityGroups`",
            path: ["clientCidrs"],
        })
        .describe("Who may connect."),
    dns: obj({
        zoneId: z
            .string({ error: "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ" })
            .regex(/^Z[0-9A-Z]{4,31}$/, { error: "must be a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ" })
            .describe("Route 53 hosted zone for the service record."),
        name: z
            .string({ error: "must be a DNS name such as git.example.com" })
            .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\.?$/, { error: "must be a DNS name such as git.example.com" })
            // RFC 1035: a name is at most 255 octets on the wire, 253 characters written out (254 with the root dot).
            .refine((n) => n.replace(/\.$/, "").length <= 253, { error: "must be at most 253 characters (the DNS limit); shorten it" })
            .describe("Record name clients use."),
        ttl: int(1, 300, "seconds", "clients must follow a promotion within minutes; GHES documents 60 s to 5 min")
            .default(60)
            .describe("TTL of the record. Aliases to a load balancer always have AWS's fixed 60 s."),
        target: oneOf(["primary", "loadBalancer"])
            .optional()
            .describe(
                "HA only: point the record at the primary's private address, or alias the load balancer (every node is registered; only the primary passes its health check, so only it receives traffic). Default: `loadBalancer` when one is configured. A cluster always aliases the load balancer.",
            ),
    }).describe("The service's DNS record."),
    loadBalancer: obj({
        kind: oneOf(["alb", "nlb"])
            .optional()
            .describe("`alb` (HTTPS, needs `certificateArn`) or `nlb` (TCP pass-through); default: the profile's."),
        scheme: oneOf(["internal", "internet-facing"]).default("internal").describe("internet-facing needs public subnets."),
        certificateArn: z
            .string({ error: "must be an ACM certificate ARN" })
            .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, {
                error: "must be an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/...",
            })
            .optional()
            .describe("ACM certificate for HTTPS/TLS listeners (required for an ALB)."),
        sslPolicy: z
            .enum(
                [
                    "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                    "ELBSecurityPolicy-TLS13-1-3-2021-06",
                    "ELBSecurityPolicy-TLS-1-2-2017-01",
                    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
                    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
                ],
                { error: "must be a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06" },
            )
            .default("ELBSecurityPolicy-TLS13-1-2-2021-06")
            .describe("TLS policy of HTTPS/TLS listeners; only TLS 1.2+ policies are accepted."),
        listeners: z
            .array(ListenerSchema, { error: "must be a list of listeners" })
            .min(1, { error: "must list at least one listener" })
            .optional()
            .describe(
                "Listeners; default: the profile's for the load-balancer kind. An ALB also gets an HTTP listener on 80 that redirects to HTTPS.",
            ),
        healthCheck: HealthCheckSchema.default({ interval: 5, timeout: 4, healthyThreshold: 2, unhealthyThreshold: 2 }).describe(
            "Target-group health check.",
        ),
        deregistrationDelay: int(0, 3600, "seconds", "AWS limit")
            .default(30)
            .describe(
                "Seconds a removed target drains. AWS's 300 s default would stall every node removal or replacement for 5 minutes (a promotion changes no attachment).",
            ),
        deletionProtection: bool().optional().describe("Refuse to delete the load balancer; default: `production`."),
        accessLogs: obj({
            bucket: str("an S3 bucket name").describe("Bucket for access logs (S3 bucket naming rules), in the stack's region."),
            prefix: z.string().default("").describe("Key prefix in the bucket; without AWSLogs and without a leading '/'."),
        })
            .optional()
            .describe("Access logs (recommended for production)."),
    })
        .optional()
        .describe("Load balancer in front of the serving nodes. Required for `cluster`; optional for `ha`."),
    monitoring: obj({
        enabled: bool()
            .default(true)
            .describe(
                "Create the alarm topic and the alarms: target groups, every node's EC2 status checks, and for `ha` a Route 53 health check on the primary.",
            ),
        emails: z
            .array(
                z
                    .string({ error: "must be an email address" })
                    .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { error: "must be an email address such as ops@example.com" }),
                { error: "must be a list of email addresses" },
            )
            .default([])
            .describe("Email addresses subscribed to the alarm topic; each recipient must confirm the subscription."),
        httpsEndpoints: z
            .array(
                z
                    .string({ error: "must be an https:// URL" })
                    .regex(/^https:\/\/[^\s/]+(\/\S*)?$/, { error: "must be an https:// URL such as https://events.example.com/hook" }),
                { error: "must be a list of https:// URLs" },
            )
            .default([])
            .describe("HTTPS endpoints (for example a paging service) subscribed to the alarm topic; each must confirm the subscription."),
        minHealthyTargets: int(1, 200, "targets")
            .optional()
            .describe(
                "Cluster only: alarm when fewer healthy targets remain in a target group; default: every serving node, or as many as the profile keeps active at once (cloudify: 1, the active manager; its standbys fail the health check by design).",
            ),
    })
        .default({ enabled: true, emails: [], httpsEndpoints: [] })
        .describe("Alarms to an SNS topic. Automatic failover hides failures, so this is on by default."),
    backups: obj({
        enabled: bool().default(true).describe("Snapshot every node's data volume with a Data Lifecycle Manager policy."),
        everyHours: z
            .literal([1, 2, 3, 4, 6, 8, 12, 24], {
                error: "must be one of 1, 2, 3, 4, 6, 8, 12, 24 (the intervals Data Lifecycle Manager accepts)",
            })
            .default(24)
            .describe("Hours between snapshots: 1, 2, 3, 4, 6, 8, 12 or 24."),
        at: z
            .string({ error: "must be a UTC time such as 03:00" })
            .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: "must be a UTC time as HH:MM, such as 03:00" })
            .default("03:00")
            .describe("UTC time of day the schedule starts (Data Lifecycle Manager starts within an hour of it)."),
        keep: int(1, 1000, "snapshots", "Data Lifecycle Manager limit")
            .default(7)
            .describe("Snapshots kept per volume; older ones are deleted."),
    })
        .default({ enabled: true, everyHours: 24, at: "03:00", keep: 7 })
        .describe("EBS snapshots of the data volumes: neither HA nor a cluster replaces backups."),
    ghesBackup: GhesBackupSchema.optional().describe(
        "GHES only: a backup host running GitHub Enterprise Server Backup Utilities (`ghe-backup` over SSH to the primary's port 122, on a cron schedule), the backup GitHub recommends; EBS snapshots of a running appliance are not a supported GHES backup. See docs/profiles.md, GitHub Enterprise Server.",
    ),
    failoverSettings: obj({
        secondary: nodeName
            .optional()
            .describe(
                "HA with `failover: automatic`: the replica promoted behind a load balancer, or the SECONDARY record points at. Default: the first replica in node order.",
            ),
        healthCheckFailures: int(1, 10, "minutes", "one EC2 status check per minute")
            .default(2)
            .describe(
                "HA: consecutive failed (or missing) one-minute EC2 status checks before a node's Route 53 health check turns unhealthy.",
            ),
    })
        .default({ healthCheckFailures: 2 })
        .describe(
            "HA: the Route 53 health checks on the nodes and, with `failover: automatic`, the replica DNS fails over to (or, behind a load balancer, the runbook promotes).",
        ),
    ghesHa: obj({
        formerPrimaries: z
            .record(nodeName, oneOf(["fenced", "rejoin"]), {
                error: (iss) => (iss.code === "invalid_type" ? "must be a map of node name to `fenced` or `rejoin`" : undefined),
            })
            .default({})
            .describe(
                "Former primaries after a promotion: `fenced` keeps the node in maintenance mode and out of replication; `rejoin` lets it be set up as a replica of the current primary (in maintenance mode first, as GitHub requires). A node the package last set up as primary stays fenced until it is listed here as `rejoin`.",
            ),
        geo: z
            .record(
                nodeName,
                obj({
                    datacenter: str("a datacenter name")
                        .regex(/^[a-z0-9][a-z0-9-]{0,30}$/, { error: "must be lower-case letters, digits or '-', such as eu-west" })
                        .describe("`ghe-repl-node --datacenter`: nodes in different datacenters seed from their own datacenter."),
                    active: bool()
                        .default(false)
                        .describe("Replicas only: `ghe-repl-node --active` (serves users, geo-replication) or `--inactive` (passive)."),
                }),
                { error: (iss) => (iss.code === "invalid_type" ? "must be a map of node name to { datacenter, active }" : undefined) },
            )
            .default({})
            .describe(
                "Geo-replication settings per node, applied with `ghe-repl-node` (then a config apply on the primary) after a replica has started; they stay with the node when it is promoted. A node that starts as primary gets its datacenter by hand (docs/profiles.md: GitHub Enterprise Server). Default: none (one datacenter, passive replicas).",
            ),
    })
        .default({ formerPrimaries: {}, geo: {} })
        .describe("GHES profile, HA topology only: former primaries and geo-replication (docs/profiles.md: GitHub Enterprise Server)."),
    dr: DrSchema.optional().describe(
        "HA only: a second region with DR replicas, its network and snapshot copies; a promotion to a DR node moves DNS across regions (docs/operations.md: Disaster recovery).",
    ),
    tags: z
        .record(z.string(), z.string({ error: "must be a string" }), { error: "must be a map of tag name to value" })
        .default({})
        .describe(
            "Tags added to every resource (beside Project, Stack, Service, ManagedBy, and Name, Node or Tier where they apply). An HA stack takes at most 5 (its Route 53 health check allows 10 in all); keys and values use letters, digits, spaces and _ . : / = + - @, and with backups on keys have no spaces or @ (Data Lifecycle Manager).",
        ),
});

export type RawConfig = z.input<typeof ConfigSchema>;
export type ParsedConfig = z.output<typeof ConfigSchema>;
export type NodeSettings = z.output<typeof NodeSettingsSchema>;
