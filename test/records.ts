/** Hand-made recorded registrations, for tests of code that reads runs (policies, benchmarks). */
import type { RecordedResource } from "../tools/harness";

export const testUrn = (type: string, name: string): string => `urn:pulumi:test::ha-service::${type}::${name}`;

/** A registration as the harness records it, with no options set; `extra` overrides any field. */
export function recorded(
    type: string,
    name: string,
    inputs: Record<string, unknown> = {},
    extra: Partial<RecordedResource> = {},
): RecordedResource {
    return {
        type,
        name,
        urn: testUrn(type, name),
        custom: !type.startsWith("hatopo:") && type !== "pulumi:pulumi:Stack",
        ignoreChanges: [],
        dependencies: [],
        propertyDependencies: {},
        aliases: [],
        deleteBeforeReplace: false,
        replaceOnChanges: [],
        additionalSecretOutputs: [],
        inputs,
        maskedInputs: inputs,
        secretPaths: [],
        unknownPaths: [],
        state: inputs,
        ...extra,
    };
}
