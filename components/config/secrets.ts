/**
 * Which texts of the stack config are secret (`pulumi config set --secret`, a `secure:` entry at the
 * top or nested in an object). Pulumi keeps a key's whole value secret, so every text in the value of
 * a secret key counts: the string leaves of an object or list, or the value itself.
 *
 * Why the program needs them: it reads its config as plain values (it validates and plans from
 * them), so a secret value would reach resource inputs, and so the state, as plain text. The stack
 * program (index.ts) hands these texts to HaService, which marks every input that holds one as a
 * secret (components/aws/secrets.ts).
 */

/** The texts of the `namespace:` keys that `isSecret` says are secret, each once, longest first. */
export function secretTexts(all: Readonly<Record<string, string>>, isSecret: (key: string) => boolean, namespace: string): string[] {
    const texts = new Set<string>();
    const collect = (v: unknown): void => {
        if (typeof v === "string") {
            if (v !== "") texts.add(v);
        } else if (typeof v === "number" || typeof v === "boolean") {
            texts.add(String(v));
        } else if (Array.isArray(v)) {
            v.forEach(collect);
        } else if (v !== null && typeof v === "object") {
            Object.values(v).forEach(collect);
        }
    };
    for (const [key, text] of Object.entries(all)) {
        if (!key.startsWith(`${namespace}:`) || !isSecret(key)) continue;
        let value: unknown = text;
        try {
            value = JSON.parse(text);
        } catch {
            // A plain string value.
        }
        collect(value);
    }
    return [...texts].sort((a, b) => b.length - a.length || a.localeCompare(b));
}
