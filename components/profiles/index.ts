import { generic } from "./generic";
import { ServiceProfile } from "./types";

export * from "./types";

/** Every profile a stack may name in `profile`. */
export const profiles: Readonly<Record<string, ServiceProfile>> = {
    generic,
};

export const profileNames = Object.keys(profiles) as [string, ...string[]];

export function getProfile(name: string): ServiceProfile {
    const profile = profiles[name];
    if (!profile) {
        throw new Error(`unknown profile "${name}"; known profiles: ${profileNames.join(", ")}`);
    }
    return profile;
}
