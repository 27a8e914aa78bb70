/**
 * Marks resource inputs that hold a secret config text as Pulumi secrets, so they are encrypted in
 * the state and shown as [secret] in previews, as values read with `Config.requireSecret` would be.
 * The texts come from components/config/secrets.ts `secretTexts`; HaService applies this to every
 * resource it registers (a `transformations` entry, which its children inherit).
 *
 * An input is secret when a string in it equals a secret text, or contains one of at least
 * SECRET_SUBSTRING_MIN characters (a secret embedded in a document or script; shorter texts, such as
 * `dev`, would match unrelated values). Plain objects and lists are walked and only the strings that
 * match are wrapped (`tags.Owner`, not all of `tags`); an Output or a promise is checked when it
 * resolves and then marked secret as a whole.
 */
import * as pulumi from "@pulumi/pulumi";

/** The shortest secret text that is looked for inside longer strings (shorter ones must match whole). */
export const SECRET_SUBSTRING_MIN = 6;

/** Whether `text` holds one of `texts` (see the module's doc). */
export function holdsSecret(text: string, texts: readonly string[]): boolean {
    return texts.some((t) => text === t || (t.length >= SECRET_SUBSTRING_MIN && text.includes(t)));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
    if (v === null || typeof v !== "object") return false;
    const proto = Object.getPrototypeOf(v) as unknown;
    return proto === Object.prototype || proto === null;
}

/** Whether any string in a resolved value (plain objects and lists walked) holds a secret text. */
function resolvedHoldsSecret(v: unknown, texts: readonly string[]): boolean {
    if (typeof v === "string") return holdsSecret(v, texts);
    if (Array.isArray(v)) return v.some((x) => resolvedHoldsSecret(x, texts));
    if (isPlainObject(v)) return Object.values(v).some((x) => resolvedHoldsSecret(x, texts));
    return false;
}

/** `value` with every part that holds a secret text marked secret (`value` itself without texts). */
export function markSecretInputs<T>(value: T, texts: readonly string[]): T {
    return texts.length === 0 ? value : (markSecretParts(value, texts) as T);
}

function markSecretParts(value: unknown, texts: readonly string[]): unknown {
    if (typeof value === "string") return holdsSecret(value, texts) ? pulumi.secret(value) : value;
    if (Array.isArray(value)) return value.map((v) => markSecretParts(v, texts));
    if (pulumi.Output.isInstance(value) || value instanceof Promise) {
        return pulumi.output(value).apply((v) => (resolvedHoldsSecret(v, texts) ? pulumi.secret(v) : v));
    }
    if (isPlainObject(value)) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, markSecretParts(v, texts)]));
    }
    return value;
}

/**
 * Outputs the provider computes from an input, which Pulumi does not mark secret by themselves (it
 * marks an output secret when the input of the same name is): by input, for every type (`*`) or one.
 * `tagsAll` is the resource's tags merged with the provider's default tags (@pulumi/aws).
 */
const DERIVED_OUTPUTS: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
    "*": { tags: ["tagsAll"] },
    "aws:route53/record:Record": { name: ["fqdn"] },
};

/** The outputs of a resource of `type` that its secret inputs in `props` feed (DERIVED_OUTPUTS). */
export function derivedSecretOutputs(type: string, props: Record<string, unknown>, texts: readonly string[]): string[] {
    const derived = { ...DERIVED_OUTPUTS["*"], ...DERIVED_OUTPUTS[type] };
    return Object.entries(derived).flatMap(([input, outputs]) => (resolvedHoldsSecret(props[input], texts) ? [...outputs] : []));
}

/**
 * The transformation that marks a resource's secret inputs, and the outputs computed from them
 * (`additionalSecretOutputs`); undefined (nothing to do) without secret texts.
 */
export function secretInputsTransformation(texts: readonly string[]): pulumi.ResourceTransformation | undefined {
    if (texts.length === 0) return undefined;
    return (args) => {
        // Plain values only: a `tags` or record `name` that were an Output would leave tagsAll/fqdn unmarked.
        const derived = derivedSecretOutputs(args.type, args.props as Record<string, unknown>, texts);
        const custom = args.opts as pulumi.CustomResourceOptions;
        const opts: pulumi.CustomResourceOptions =
            // instanceof, not CustomResource.isInstance: the transformation runs inside the base
            // constructor, before the subclass sets the flag isInstance reads (the prototype is set).
            derived.length > 0 && args.resource instanceof pulumi.CustomResource
                ? { ...custom, additionalSecretOutputs: [...new Set([...(custom.additionalSecretOutputs ?? []), ...derived])] }
                : custom;
        return { props: markSecretInputs(args.props, texts), opts };
    };
}
