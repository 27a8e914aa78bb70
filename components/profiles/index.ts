import { cloudify } from "./cloudify";
import { generic } from "./generic";
import { ghes } from "./ghes";
import { ServiceProfile } from "./types";

export * from "./types";

/** Every profile a stack may name in `profile`. */
export const profiles: Readonly<Record<string, ServiceProfile>> = {
    generic,
    ghes,
    cloudify,
};

export const profileNames = Object.keys(profiles) as [string, ...string[]];

export function getProfile(name: string): ServiceProfile {
    const profile = profiles[name];
    if (!profile) {
        throw new Error(`unknown profile "${name}"; known profiles: ${profileNames.join(", ")}`);
    }
    return profile;
}
