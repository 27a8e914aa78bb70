/**
 * Replacing a cluster node of a service that forbids reusing a host name (profile
 * `newNameOnReplace`; GHES: replacing-a-cluster-node.md): add a node with a new name, then remove
 * the old one through `removedNodes`, never `pulumi up --replace`.
 */
import type { StackSpec } from "../config";
import { STATE_DIR } from "./userdata";
import type { PlannedNode, Runbook } from "./types";

export function replaceByNewNameRunbook(spec: StackSpec, nodes: readonly PlannedNode[], source: string): Runbook {
    const example = nodes[0]?.key ?? "NODE";
    const leaders = Object.entries(spec.leaders).map(([role, node]) => `${node} (${role})`);
    const primary = spec.leaders["mysql-server"] ?? "the MySQL primary";
    return {
        key: "replace-node",
        title: `Replace a cluster node under a new name (NODE below is its key, for example ${example})`,
        steps: [
            `Never \`pulumi up --replace\` a node of this stack: the new instance would keep NODE as its host name, which the service forbids (${source}). The rendered ghes-cluster-sync refuses a new address under a host name GHES has initialised, and changes nothing.`,
            `If NODE leads a single-primary role (now ${leaders.join(", ") || "none"}), move that first (runbook move-leaders): ghe-remove-node cannot remove the mysql-master or redis-master node.`,
            "Add a node with a new key, the same roles and a healthy zone (`nodes.<new>`), and `pulumi up`: the MySQL primary sets its keys in cluster.conf and runs ghe-cluster-config-init and ghe-cluster-config-apply.",
            `Then delete NODE from \`nodes\`, add it to \`removedNodes\` and \`pulumi up\`: ${primary} runs \`ghe-remove-node NODE\`, which evacuates NODE's data to the other nodes first, marks it offline and applies the change. Its cluster.conf section stays for GHES; its data volume is retained${spec.dataVolume.retainOnDelete ? "" : " only if dataVolume.retainOnDelete is on (it is off here)"}. A name in \`removedNodes\` is never used again.`,
            `If NODE is dead, its evacuation cannot finish: on ${primary} run \`ghe-remove-node --no-evacuate NODE\` by hand, then the clean-up of "Replacing a node in an emergency" (\`ghe-config cluster.NODE.uuid\`, \`ghe-spokesctl server destroy git-server-UUID\`, \`ghe-dpages remove pages-server-UUID\`, \`ghe-storage destroy-host storage-server-UUID --force\`), record it with \`echo NODE >> ${spec.profile.stateDir ?? STATE_DIR}/ghes-cluster/removed\` and only then list it in \`removedNodes\`.`,
            "Done when `ghe-cluster-status` is OK and the target groups' -healthy-below alarms are OK.",
        ],
    };
}
