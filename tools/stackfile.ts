/**
 * Reads `stacks/Pulumi.<stack>.yaml` into the flat config map the Pulumi runtime expects
 * (`{"ha-service:topology": "ha"}`), the way the CLI would pass it in PULUMI_CONFIG:
 * strings as-is, numbers and booleans as String(v), maps and lists as JSON.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";

export const DEFAULT_STACK_DIR = "stacks";

/** Where Pulumi.yaml is: the project root, one level above tools/. */
export const PROJECT_ROOT = path.join(__dirname, "..");

/**
 * The project's name from `<dir>/Pulumi.yaml` (`name:`), which is the config namespace
 * (`<project>:<key>`) and part of every URN. Read, not hard-coded, so renaming the project keeps the
 * tools working (issue 14, point 5). "ha-service" only when the file is missing or has no name.
 */
export function readProjectName(dir: string = PROJECT_ROOT): string {
    let text: string;
    try {
        text = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
    } catch {
        return "ha-service";
    }
    const name = (parseDocument(text).toJS() as { name?: unknown } | null)?.name;
    return typeof name === "string" && name.trim() !== "" ? name.trim() : "ha-service";
}

/** This checkout's project name (Pulumi.yaml `name:`), read once. */
export const DEFAULT_PROJECT = readProjectName();

const STACK_FILE = /^Pulumi\.(.+)\.ya?ml$/;

/** Names of the stacks that have a `Pulumi.<stack>.yaml` file in `dir`, sorted. */
export function listStacks(dir: string = DEFAULT_STACK_DIR): string[] {
    let entries: string[];
    try {
        entries = fs.readdirSync(dir);
    } catch {
        return [];
    }
    return entries
        .map((f) => STACK_FILE.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** Path of a stack's config file (`.yaml`, or `.yml` if only that exists). */
export function stackFilePath(stack: string, dir: string = DEFAULT_STACK_DIR): string {
    const yaml = path.join(dir, `Pulumi.${stack}.yaml`);
    const yml = path.join(dir, `Pulumi.${stack}.yml`);
    return !fs.existsSync(yaml) && fs.existsSync(yml) ? yml : yaml;
}

/** Converts one config value to the string Pulumi hands the program. */
export function configValueToString(v: unknown): string {
    if (typeof v === "string") {
        return v;
    }
    if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") {
        return String(v);
    }
    if (v === null || v === undefined) {
        return "";
    }
    return JSON.stringify(v);
}

/**
 * What an encrypted (`secure:`) stack value becomes offline: the ciphertext cannot be decrypted
 * without the stack's secrets provider, so the plan runs with this stand-in, the key is set as secret
 * config (as `pulumi up` would set the decrypted value), and the harness shows every input or output
 * that carries it as "[secret]" (tools/harness.ts). Letters, digits, `-` and `/` only, so it is a
 * valid tag value.
 */
export const SECURE_PLACEHOLDER = "secure-value-not-decrypted-offline";

function isSecure(v: unknown): boolean {
    return v !== null && typeof v === "object" && !Array.isArray(v) && "secure" in v && Object.keys(v).length === 1;
}

/** `v` with every `{secure: ...}` inside it replaced by SECURE_PLACEHOLDER. */
function withoutCiphertext(v: unknown): unknown {
    if (isSecure(v)) return SECURE_PLACEHOLDER;
    if (Array.isArray(v)) return v.map(withoutCiphertext);
    if (v !== null && typeof v === "object") {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withoutCiphertext(x)]));
    }
    return v;
}

/** Keys of a flat config map whose value holds an encrypted stack value: secret config. */
export function secureConfigKeys(config: Readonly<Record<string, string>>): string[] {
    // A caller may leave a key undefined to unset it: only text can hold the stand-in.
    return Object.keys(config).filter((k) => typeof config[k] === "string" && config[k].includes(SECURE_PLACEHOLDER));
}

/**
 * Converts a parsed `config:` map to the flat runtime map. Keys without a namespace get the
 * project's (`topology` -> `ha-service:topology`), as the CLI does. `secure:` values, at the top or
 * nested in an object or list, become SECURE_PLACEHOLDER (see there). `source` names the file in errors.
 */
export function flattenConfig(config: Record<string, unknown>, source: string, project: string = DEFAULT_PROJECT): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [rawKey, v] of Object.entries(config)) {
        const key = rawKey.includes(":") ? rawKey : `${project}:${rawKey}`;
        if (configValueToString(v).includes(SECURE_PLACEHOLDER)) {
            throw new Error(
                `${source}: config key "${rawKey}" holds the text "${SECURE_PLACEHOLDER}", which the offline plan reserves for encrypted values`,
            );
        }
        out[key] = configValueToString(withoutCiphertext(v));
    }
    return out;
}

/**
 * Key paths a YAML map lists more than once (`config.ha-service:nodes.app-a`), with the lines of both
 * entries. YAML keeps the last value, so a duplicated node name would quietly lose the first node.
 */
export function duplicateKeys(doc: Document, lines: LineCounter): { path: string; lines: number[] }[] {
    const found: { path: string; lines: number[] }[] = [];
    const lineOf = (node: unknown) => {
        const range = (node as { range?: [number, number, number] } | null)?.range;
        return range ? lines.linePos(range[0]).line : 0;
    };
    const walk = (node: unknown, path: string) => {
        if (isMap(node)) {
            const first = new Map<string, number>();
            for (const pair of node.items) {
                const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
                const keyPath = path === "" ? key : `${path}.${key}`;
                const seen = first.get(key);
                if (seen === undefined) first.set(key, lineOf(pair.key));
                else found.push({ path: keyPath, lines: [seen, lineOf(pair.key)] });
                walk(pair.value, keyPath);
            }
        } else if (isSeq(node)) {
            node.items.forEach((item, i) => walk(item, `${path}[${i}]`));
        }
    };
    walk(doc.contents, "");
    return found;
}

/** Reads and converts one stack config file given by path. */
export function readConfigFile(file: string, project: string = DEFAULT_PROJECT): Record<string, string> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`cannot read stack config ${file}: ${(e as Error).message}`);
    }
    const lines = new LineCounter();
    // Duplicate keys are found below, with their key paths, rather than by the parser's generic error.
    const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: false, lineCounter: lines });
    if (doc.errors.length > 0) {
        throw new Error(`${file} is not valid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    }
    const twice = duplicateKeys(doc, lines);
    if (twice.length > 0) {
        throw new Error(
            twice
                .map(
                    (d) =>
                        `${file}: ${d.path.replace(/^config\./, "")} is listed twice (lines ${d.lines.join(" and ")}); YAML keeps only the last one and would silently drop the other's settings: remove or rename one of them`,
                )
                .join("\n"),
        );
    }
    const data: unknown = doc.toJS();
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
        throw new Error(
            `${file}: expected a YAML map with a top-level "config:" map, got ${data === null ? "an empty document" : Array.isArray(data) ? "a list" : typeof data}`,
        );
    }
    const config = (data as Record<string, unknown>).config;
    if (config === undefined) {
        throw new Error(`${file} has no top-level "config:" map`);
    }
    if (config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new Error(
            `${file}: top-level "config:" must be a map of key: value, got ${config === null ? "null" : Array.isArray(config) ? "a list" : typeof config}`,
        );
    }
    return flattenConfig(config as Record<string, unknown>, file, project);
}

/**
 * Reads `<dir>/Pulumi.<stack>.yaml` and returns Pulumi's flat config map. Throws an error naming the
 * file when it is missing (listing the stacks that exist), not YAML, or has no `config:` map.
 */
export function readStackFile(stack: string, dir: string = DEFAULT_STACK_DIR, project: string = DEFAULT_PROJECT): Record<string, string> {
    const file = stackFilePath(stack, dir);
    if (!fs.existsSync(file)) {
        const stacks = listStacks(dir);
        const available = stacks.length > 0 ? `available stacks: ${stacks.join(", ")}` : `no Pulumi.<stack>.yaml files in ${dir}`;
        throw new Error(`unknown stack "${stack}": ${file} does not exist; ${available}`);
    }
    return readConfigFile(file, project);
}
