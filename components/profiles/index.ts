import { cloudify } from "./cloudify";
import { generic } from "./generic";
import { ghes } from "./ghes";
import { ServiceProfile } from "./types";

export * from "./types";

/**
 * How many of a cluster's `serving` targets pass the health check at once when all is well: every
 * one, or as many as the profile's service keeps active (the rest are standbys failing it).
 */
export function activeTargetCount(profile: Pick<ServiceProfile, "activeTargets">, serving: number): number {
    return Math.min(profile.activeTargets ?? serving, serving);
}

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
