/**
 * AWS's API models (../shared/aws-models, read in place, never copied) as a test oracle: the
 * min/max/pattern/enum of a shape, applied to a value the program registers.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const MODELS = process.env.AWS_MODELS_DIR ?? join(__dirname, "..", "..", "shared", "aws-models");

export interface Shape {
    readonly type: string;
    readonly min?: number;
    readonly max?: number;
    readonly pattern?: string;
    readonly enum?: readonly string[];
    readonly member?: { readonly shape: string };
    readonly documentation?: string;
}

const cache = new Map<string, Record<string, Shape>>();

/** The shapes of a service model by its file prefix: `ec2`, `elasticloadbalancingv2`, `monitoring`, ... */
export function shapes(service: string): Record<string, Shape> {
    let s = cache.get(service);
    if (!s) {
        const file = readdirSync(MODELS).find((f) => f.startsWith(`${service}-`) && f.endsWith(".normal.json"));
        if (!file) throw new Error(`no AWS model for ${service} in ${MODELS}`);
        s = (JSON.parse(readFileSync(join(MODELS, file), "utf8")) as { shapes: Record<string, Shape> }).shapes;
        cache.set(service, s);
    }
    return s;
}

export function shape(service: string, name: string): Shape {
    const s = shapes(service)[name];
    if (!s) throw new Error(`no shape ${name} in the ${service} model`);
    return s;
}

/** A model pattern (Java regex, matched whole) as a JavaScript RegExp. */
export function modelPattern(pattern: string): RegExp {
    return new RegExp(`^(?:${pattern.replace(/\\p\{all\}/g, "\\s\\S")})$`, "su");
}

/** Violations of a shape's constraints by a value (strings: length; numbers: value; lists: count, then members). */
export function violations(service: string, name: string, value: unknown, path: string): string[] {
    const s = shape(service, name);
    const out: string[] = [];
    const where = `${path} (${service} ${name})`;
    if (s.type === "list") {
        if (!Array.isArray(value)) return [`${where}: not a list: ${JSON.stringify(value)}`];
        if (s.min !== undefined && value.length < s.min) out.push(`${where}: ${value.length} items, fewer than ${s.min}`);
        if (s.max !== undefined && value.length > s.max) out.push(`${where}: ${value.length} items, more than ${s.max}`);
        value.forEach((v, i) => out.push(...violations(service, s.member!.shape, v, `${path}[${i}]`)));
        return out;
    }
    if (s.type === "string") {
        if (typeof value !== "string") return [`${where}: not a string: ${JSON.stringify(value)}`];
        const len = [...value].length;
        if (s.min !== undefined && len < s.min) out.push(`${where}: ${len} characters, fewer than ${s.min}`);
        if (s.max !== undefined && len > s.max) out.push(`${where}: ${len} characters, more than ${s.max}`);
        if (s.pattern !== undefined && !modelPattern(s.pattern).test(value))
            out.push(`${where}: ${JSON.stringify(value)} does not match ${s.pattern}`);
        if (s.enum !== undefined && !s.enum.includes(value))
            out.push(`${where}: ${JSON.stringify(value)} is not one of the ${s.enum.length} allowed values`);
        return out;
    }
    if (["integer", "long", "double", "float"].includes(s.type)) {
        if (typeof value !== "number") return [`${where}: not a number: ${JSON.stringify(value)}`];
        if (s.min !== undefined && value < s.min) out.push(`${where}: ${value} is below ${s.min}`);
        if (s.max !== undefined && value > s.max) out.push(`${where}: ${value} is above ${s.max}`);
        return out;
    }
    throw new Error(`${where}: shape type ${s.type} is not supported by this oracle`);
}
