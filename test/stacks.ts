/** The example stacks in stacks/, as raw config for the fixtures (`spec`, `plan`) and `run`. */
import { readNamespace } from "../components/config";
import { readStackFile } from "../tools/stackfile";
import type { Raw } from "./fixtures";

export const PROFILE_STACKS = ["ghes-ha", "ghes-cluster", "cloudify"] as const;

/**
 * The example stacks this repository ships. Tests that pin their content (golden plans, URN
 * snapshots, "relaxes nothing") name them here; checks that hold for any valid stack run over every
 * file in stacks/, so a user's own stack file does not break `npm test` (issue 14, point 5).
 */
export const EXAMPLE_STACKS: readonly string[] = ["cloudify", "dev", "ghes-cluster", "ghes-dr", "ghes-ha", "prod"];

/** The stack file's `ha-service:` keys, decoded as the program decodes them. */
export function stackConfig(stack: string, overrides: Raw = {}): Raw {
    return { ...readNamespace(readStackFile(stack)), ...overrides };
}
