import type { StackSpec } from "../config";
import type { PlannedNode } from "./types";

/**
 * The nodes registered in every target group. A cluster: its serving nodes. HA: every node, and the
 * health check passes only on the primary (GHES `/status` answers 503 on a replica and in
 * maintenance mode; the generic profile's service must do the same), so a promotion changes no
 * attachment: the load balancer moves clients once the promoted node passes `healthyThreshold`
 * checks, instead of waiting for a newly registered target (minutes on an NLB). The old primary
 * fails the check before the new one passes because the promotion runbook puts it in maintenance
 * mode (or stops it) before the replica is promoted (runbook.ts).
 */
export function targetNodes(spec: StackSpec, nodes: readonly PlannedNode[]): readonly PlannedNode[] {
    return spec.topology === "ha" ? nodes : nodes.filter((n) => n.serving);
}
