/**
 * Tag rules. User tags go on every resource the stack creates, beside the package's own tags, so the
 * strictest service in the stack decides: its tag count and the characters it allows. Pure.
 */
import { BACKUP_TAG } from "../../common/naming";
import type { ConfigProblem, StackSpec } from "../spec";

type Spec = Omit<StackSpec, "warnings" | "relaxations">;

/** Tags the package puts on resources itself (`baseTags` plus the per-resource ones). */
const BASE_TAGS = ["Project", "Stack", "Service", "ManagedBy"];

/** IAM, ELB and SSM tag keys and values (their API references' `TagKey`/`TagValue` patterns). */
const UNICODE_TAG = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** Data Lifecycle Manager `TagKey` pattern, exactly as its API reference writes it (`+-=` is a range). */
const DLM_TAG_KEY = /^(?!aws:)[a-zA-Z+-=._:/]+$/;

interface TagRule {
    /** Resource types this rule covers, for the message. */
    readonly what: string;
    /** Whether the stack creates such a resource. */
    readonly applies: (spec: Spec) => boolean;
    readonly max: number;
    /** The package's own tag keys on the most-tagged resource of these types. */
    readonly own: readonly string[];
    readonly key?: RegExp;
    readonly value?: RegExp;
    readonly allowed?: string;
    readonly source: string;
}

const ALLOWED = "letters, digits, spaces and _ . : / = + - @";

export const TAG_RULES: readonly TagRule[] = [
    {
        what: "Route 53 health check",
        applies: (s) => s.topology === "ha",
        max: 10,
        own: [...BASE_TAGS, "Name"],
        source: "Route 53 API reference, ChangeTagsForResource: at most 10 tags per health check",
    },
    {
        what: "EC2 data volume (the most-tagged EC2 resource)",
        applies: () => true,
        max: 50,
        own: [...BASE_TAGS, "Name", "Node", BACKUP_TAG],
        source: "Amazon EC2 User Guide, tag restrictions: 50 tags per resource",
    },
    {
        // Its own tags are not a subset of the data volume's (Role instead of Node), so it has its own count.
        what: "EC2 GHES backup host and its data volume",
        applies: (s) => s.ghesBackup !== undefined && s.topology === "ha",
        max: 50,
        own: [...BASE_TAGS, "Name", "Role"],
        source: "Amazon EC2 User Guide, tag restrictions: 50 tags per resource",
    },
    {
        what: "EC2 subnet",
        applies: (s) => s.network.kind === "create",
        max: 50,
        own: [...BASE_TAGS, "Name", "Tier"],
        source: "Amazon EC2 User Guide, tag restrictions: 50 tags per resource",
    },
    {
        what: "IAM role and instance profile",
        applies: () => true,
        max: 50,
        own: BASE_TAGS,
        key: UNICODE_TAG,
        value: UNICODE_TAG,
        allowed: ALLOWED,
        source: "IAM API reference, Tag: tagListType max 50, tagKeyType/tagValueType pattern",
    },
    {
        what: "SSM parameter and document",
        applies: () => true,
        max: 50,
        own: BASE_TAGS,
        key: UNICODE_TAG,
        value: UNICODE_TAG,
        allowed: ALLOWED,
        source: "SSM API reference, Tag: TagKey/TagValue pattern; AWS tagging quota of 50 tags per resource",
    },
    {
        what: "load balancer, target group and listener",
        applies: (s) => s.loadBalancer !== undefined,
        max: 50,
        own: BASE_TAGS,
        key: UNICODE_TAG,
        value: UNICODE_TAG,
        allowed: ALLOWED,
        source: "ELBv2 API reference, Tag: TagKey/TagValue pattern; ELB quota of 50 tags per load balancer",
    },
    {
        what: "Data Lifecycle Manager policy",
        applies: (s) => s.backups.enabled,
        max: 50,
        own: BASE_TAGS,
        key: DLM_TAG_KEY,
        allowed: "ASCII letters, digits and + , - . / : ; < = _ (no spaces, no @)",
        source: "DLM API reference, TagKey pattern ^(?!aws:)[a-zA-Z+-=._:/]+$",
    },
];

/** `tags.Team`, or `tags["cost center"]` for a key a dotted path cannot hold. */
function tagPath(key: string): string {
    return /^$|[.[\]"\s]/.test(key) ? `tags[${JSON.stringify(key)}]` : `tags.${key}`;
}

/**
 * Per-resource tag limits counting the package's own tags, allowed characters per service and
 * empty keys. (The DNS name's 253 characters are a field rule in the schema.)
 */
export function tagProblems(spec: Spec): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const keys = Object.keys(spec.tags);
    if (keys.includes(""))
        problems.push({ path: 'tags[""]', message: "is an empty tag key; every AWS service requires 1 to 128 characters", value: "" });
    const reported = new Set<string>();
    for (const rule of TAG_RULES) {
        if (!rule.applies(spec)) continue;
        const count = new Set([...rule.own, ...keys]).size;
        if (count > rule.max) {
            const room = rule.max - rule.own.length;
            problems.push({
                path: "tags",
                message: `gives each ${rule.what} ${count} tags with the package's own ${rule.own.length} (${rule.own.join(", ")}), more than the ${rule.max} AWS allows (${rule.source}); keep at most ${room} tags of your own`,
                value: keys,
            });
        }
        for (const [k, v] of Object.entries(spec.tags)) {
            // One problem per tag: the first service in the stack that refuses it.
            if (reported.has(k)) continue;
            const part = k !== "" && rule.key && !rule.key.test(k) ? "key" : rule.value && !rule.value.test(v) ? "value" : undefined;
            if (part === undefined) continue;
            reported.add(k);
            problems.push({
                path: tagPath(k),
                message: `has a character the ${rule.what} refuses in a tag ${part} (${rule.source}); use only ${rule.allowed}`,
                value: part === "key" ? k : v,
            });
        }
    }
    return problems;
}
