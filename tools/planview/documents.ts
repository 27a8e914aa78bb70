/**
 * Each node's rendered configuration script and replication document, as a GHES or Cloudify reviewer
 * must read them, with only secret values redacted.
 *
 * Both are SSM parameters of type `String` (components/aws/replication.ts): AWS stores them in plain text
 * and the nodes read them with ssm:GetParameter. They show as secrets in a run only because the AWS
 * provider marks every `aws.ssm.Parameter` value secret, whatever its type. The join secret is a
 * separate `SecureString` parameter (its value a random:RandomPassword result); the documents name that
 * parameter, never its value (components/plan/replication.ts: `secretParameter`). So the text is shown
 * with every value that is secret at its source (secret inputs of other resources, secret outputs such
 * as the password's `result`) replaced by SECRET_PLACEHOLDER, should one ever be written into it.
 */
import type { ProgramRun, RecordedResource } from "../harness";

/** What replaces a secret value inside a shown document. */
export const SECRET_PLACEHOLDER = "{{secret redacted}}";

const PARAMETER = "aws:ssm/parameter:Parameter";
/** The descriptions components/aws/replication.ts gives the two per-node parameters. */
const NODE_DOCUMENT = /^(Replication document|Rendered configuration script) of (.+)$/;

export interface NodeDocument {
    readonly node: string;
    readonly kind: "replication document" | "configuration script";
    /** The SSM parameter name the node reads. */
    readonly parameter: string;
    /** The logical name of the parameter resource. */
    readonly resource: string;
    /** The text, secret values replaced by SECRET_PLACEHOLDER. */
    readonly text: string;
}

/** A plain-text (`String`) SSM parameter whose value is a string: secret in the run only by the provider's marking. */
export function isPlainParameter(r: RecordedResource): boolean {
    return r.type === PARAMETER && r.inputs.type === "String" && typeof r.inputs.value === "string";
}

function stringsIn(v: unknown, out: Set<string>): void {
    if (typeof v === "string") {
        if (v !== "") out.add(v);
    } else if (Array.isArray(v)) {
        for (const x of v) stringsIn(x, out);
    } else if (v !== null && typeof v === "object") {
        for (const x of Object.values(v)) stringsIn(x, out);
    }
}

/**
 * Every value that is secret at its source in the runs: secret inputs (except the plain parameters'
 * provider-marked values) and secret outputs (`additionalSecretOutputs`) of every resource.
 */
export function secretValues(...runs: readonly (Pick<ProgramRun, "resources"> | undefined)[]): Set<string> {
    const out = new Set<string>();
    for (const r of runs.flatMap((run) => run?.resources ?? [])) {
        const plain = isPlainParameter(r);
        for (const p of r.secretPaths) {
            if (plain && p === "value") continue;
            stringsIn(r.inputs[p], out);
        }
        for (const k of r.additionalSecretOutputs) {
            if (plain && k === "value") continue;
            stringsIn(r.state?.[k], out);
        }
    }
    return out;
}

/** `text` with each secret value replaced by SECRET_PLACEHOLDER (longest first, so no part of one survives). */
export function redactSecrets(text: string, secrets: ReadonlySet<string>): string {
    let out = text;
    for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join(SECRET_PLACEHOLDER);
    return out;
}

/**
 * The inputs to show for a resource: its masked inputs, except that a plain parameter's value is its
 * text with secret values redacted.
 */
export function shownInputs(r: RecordedResource, secrets: ReadonlySet<string>): Record<string, unknown> {
    if (!isPlainParameter(r)) return r.maskedInputs;
    return { ...r.maskedInputs, value: redactSecrets(r.inputs.value as string, secrets) };
}

/** Each node's replication document and configuration script, in registration order. */
export function nodeDocuments(run: ProgramRun): NodeDocument[] {
    const secrets = secretValues(run);
    return run.resources.flatMap((r): NodeDocument[] => {
        const m = typeof r.inputs.description === "string" ? NODE_DOCUMENT.exec(r.inputs.description) : null;
        if (m === null || !isPlainParameter(r)) return [];
        return [
            {
                node: m[2],
                kind: m[1] === "Replication document" ? "replication document" : "configuration script",
                parameter: String(r.inputs.name),
                resource: r.name,
                text: redactSecrets(r.inputs.value as string, secrets),
            },
        ];
    });
}

/** A JSON document pretty-printed (one key per line, so a line diff shows the key that changed); other text as it is. */
export function readableText(text: string): string {
    if (!text.startsWith("{")) return text;
    try {
        return JSON.stringify(JSON.parse(text), null, 2);
    } catch {
        return text;
    }
}

/** The plan section: each document under a heading, its text indented. */
export function documentLines(docs: readonly NodeDocument[]): string[] {
    if (docs.length === 0) return [];
    const lines = [`node documents (secret values shown as ${SECRET_PLACEHOLDER}):`];
    for (const d of docs) {
        lines.push(`  ${d.node} ${d.kind} (${d.parameter}):`);
        lines.push(
            ...readableText(d.text)
                .replace(/\n$/, "")
                .split("\n")
                .map((l) => (l === "" ? "" : `    ${l}`)),
        );
    }
    return lines;
}

/** A reviewer's line diff of two texts: lines only in the old one (`-`), then lines only in the new one (`+`). */
export function textDiffLines(old: string, now: string, indent: string): string[] {
    const count = (lines: string[]) => {
        const m = new Map<string, number>();
        for (const l of lines) m.set(l, (m.get(l) ?? 0) + 1);
        return m;
    };
    const [a, b] = [old.split("\n"), now.split("\n")];
    const [ca, cb] = [count(a), count(b)];
    const only = (lines: string[], mine: Map<string, number>, other: Map<string, number>) =>
        lines.filter((l) => {
            const left = mine.get(l)!;
            mine.set(l, left - 1);
            return left > (other.get(l) ?? 0);
        });
    const removed = only(a, new Map(ca), cb);
    const added = only(b, new Map(cb), ca);
    return [...removed.map((l) => `${indent}- ${l}`), ...added.map((l) => `${indent}+ ${l}`)];
}
