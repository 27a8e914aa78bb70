/**
 * AWS's own limits on every value that reaches an API: region and zones, addresses, load balancer,
 * volumes, tags and instance types (issue 13, classes 1-5 and 7; class 6, names, is checked on the
 * plan by components/plan/registrations.ts). Pure.
 */
import type { ParsedConfig } from "../schema";
import type { ConfigProblem, StackSpec } from "../spec";
import { addressProblems } from "./addresses";
import { resourceProblems } from "./resources";
import { tagProblems } from "./tags";

export function awsLimitProblems(
    cfg: ParsedConfig,
    spec: Omit<StackSpec, "warnings" | "relaxations">,
    region: string | undefined,
): ConfigProblem[] {
    return [...addressProblems(cfg, region), ...resourceProblems(cfg, spec), ...tagProblems(spec)];
}
