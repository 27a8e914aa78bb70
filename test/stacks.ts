/** The example stacks in stacks/, as raw config for the fixtures (`spec`, `plan`) and `run`. */
import { readNamespace } from "../components/config";
import { readStackFile } from "../tools/stackfile";
import type { Raw } from "./fixtures";

export const PROFILE_STACKS = ["ghes-ha", "ghes-cluster", "cloudify"] as const;

/** The stack file's `ha-service:` keys, decoded as the program decodes them. */
export function stackConfig(stack: string, overrides: Raw = {}): Raw {
    return { ...readNamespace(readStackFile(stack)), ...overrides };
}
