/**
 * Generates the config reference (README table) and the config declarations in Pulumi.yaml from
 * the schema, and the README's failover summaries of the example stacks from their plans, so the
 * docs cannot drift from the code. `npm run docs` rewrites both files;
 * test/docs.test.ts fails when either is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CONFIG_NAMESPACE, ConfigSchema } from "../components/config/schema";
import { readmeFailoverSections } from "./failover";
import { pageWithMarker } from "./docfiles";
import { table } from "./markdown";

interface JsonSchema {
    type?: string | string[];
    description?: string;
    default?: unknown;
    enum?: unknown[];
    properties?: Record<string, JsonSchema>;
    additionalProperties?: JsonSchema | boolean;
    items?: JsonSchema;
    required?: string[];
    minimum?: number;
    maximum?: number;
    anyOf?: JsonSchema[];
}

export interface ConfigRow {
    readonly key: string;
    readonly type: string;
    readonly required: boolean;
    readonly default?: string;
    readonly description: string;
}

function typeOf(s: JsonSchema): string {
    if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(" | ");
    if (s.type === "integer" && s.minimum !== undefined && s.maximum !== undefined) return `integer ${s.minimum}-${s.maximum}`;
    if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "values"}`;
    if (s.type === "object" && s.additionalProperties && typeof s.additionalProperties === "object" && !s.properties) return "map";
    return Array.isArray(s.type) ? s.type.join(" | ") : (s.type ?? "any");
}

/** One row per key path, depth first, in schema order. */
export function configRows(): ConfigRow[] {
    const root = z.toJSONSchema(ConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
    const rows: ConfigRow[] = [];
    const walk = (s: JsonSchema, prefix: string, required: readonly string[]) => {
        for (const [key, prop] of Object.entries(s.properties ?? {})) {
            const path = prefix ? `${prefix}.${key}` : key;
            rows.push({
                key: path,
                type: typeOf(prop),
                required: required.includes(key) && prop.default === undefined,
                ...(prop.default === undefined || (typeof prop.default === "object" && prop.default !== null)
                    ? {}
                    : { default: JSON.stringify(prop.default) }),
                description: prop.description ?? "",
            });
            if (prop.properties) walk(prop, path, prop.required ?? []);
            if (prop.type === "array" && prop.items?.properties) walk(prop.items, `${path}[]`, prop.items.required ?? []);
            const ap = prop.additionalProperties;
            if (typeof ap === "object" && ap.properties) walk(ap, `${path}.<name>`, ap.required ?? []);
        }
    };
    walk(root, "", root.required ?? []);
    return rows;
}

export function renderConfigTable(): string {
    const rows = configRows().map((r) => {
        const def = r.required ? "**required**" : r.default !== undefined ? `\`${r.default}\`` : "";
        return [`\`${r.key}\``, r.type, def, r.description];
    });
    return table(["key", "type", "default", "description"], rows, { pad: false });
}

/**
 * Pulumi.yaml `config:` declarations. Pulumi treats a declared key without a `default` as required in
 * every stack, and its project config types are string, integer, boolean and array only. So: required
 * scalar keys are declared bare, scalar keys with a default are declared with the schema's default,
 * and optional keys without one (and map-valued keys) are listed in a comment instead.
 */
export function renderPulumiYamlConfig(): string {
    const top = configRows().filter((r) => !r.key.includes(".") && !r.key.includes("["));
    const scalar = (r: ConfigRow) => ["string", "integer", "boolean"].some((t) => r.type.startsWith(t)) || r.type.includes("`");
    const declared = top.filter((r) => scalar(r) && (r.required || r.default !== undefined));
    const lines: string[] = [
        `# Config keys (set as ${CONFIG_NAMESPACE}:<key>), generated from components/config/schema.ts by \`npm run docs\`; docs/reference.md lists every nested key.`,
        `# Not declared below (map- or list-valued, or optional without a default; Pulumi would require a declared key without a default):`,
        ...top.filter((r) => !declared.includes(r)).map((r) => `#   ${CONFIG_NAMESPACE}:${r.key}: ${r.description}`),
        "config:",
    ];
    for (const r of declared) {
        const type = r.type.startsWith("integer") ? "integer" : r.type === "boolean" ? "boolean" : "string";
        lines.push(`  ${r.key}:`);
        lines.push(`    type: ${type}`);
        lines.push(`    description: ${JSON.stringify(r.description)}`);
        if (r.default !== undefined) lines.push(`    default: ${r.default}`);
    }
    return lines.join("\n");
}

export const TABLE_START = "<!-- config-table:start (generated by `npm run docs`) -->";
export const TABLE_END = "<!-- config-table:end -->";
export const YAML_START = "# --- config:start ---";
export const YAML_END = "# --- config:end ---";

/** Replaces the text between two markers; throws when a marker is missing. */
export function splice(text: string, start: string, end: string, body: string): string {
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`markers ${start} ... ${end} not found`);
    return `${text.slice(0, a + start.length)}\n${body}\n${text.slice(b)}`;
}

/** Every generated section: the config table and the example stacks' failover summaries. */
function generatedSections(root: string): { start: string; end: string; body: string }[] {
    return [{ start: TABLE_START, end: TABLE_END, body: renderConfigTable() }, ...readmeFailoverSections(root)];
}

/**
 * The expected text of every page that carries a generated section (README.md or a page in docs/; each
 * section in exactly one page), and of Pulumi.yaml's config block.
 */
export function expectedFiles(root: string): { path: string; text: string }[] {
    const pages = new Map<string, string>();
    for (const section of generatedSections(root)) {
        const page = pageWithMarker(root, section.start);
        const text = pages.get(page) ?? readFileSync(join(root, page), "utf8");
        pages.set(page, splice(text, section.start, section.end, section.body));
    }
    const project = join(root, "Pulumi.yaml");
    return [
        ...[...pages].map(([page, text]) => ({ path: join(root, page), text })),
        { path: project, text: splice(readFileSync(project, "utf8"), YAML_START, YAML_END, renderPulumiYamlConfig()) },
    ];
}

if (require.main === module) {
    const root = join(__dirname, "..");
    for (const f of expectedFiles(root)) {
        writeFileSync(f.path, f.text);
        console.log(`wrote ${f.path}`);
    }
}
