/**
 * The node side of automatic failover behind a load balancer (plan/autofailover.ts): a loop that
 * sends one high-resolution data point of the heartbeat metric every HEARTBEAT_PERIOD seconds while
 * the node's service answers its health endpoint. Any answer counts, an error status included: a
 * replica answers 503 by the health-check contract and is alive; only no answer (the service or the
 * node is gone) stops the heartbeat. Pure: files and commands added to the node's rendered config.
 */
import type { HealthCheckSpec } from "../config";
import type { NodeConfig, RenderedFile } from "../profiles";
import { shellQuote } from "../profiles/shell";
import { HEARTBEAT_SCRIPT_PATH, HEARTBEAT_UNIT } from "./autofailover";
import type { AutoFailoverPlan } from "./types";

/** Bash that sets `alive` to 1 when the local service answers its health check (any status). */
function probe(hc: Pick<HealthCheckSpec, "protocol" | "port" | "path">): string {
    if (hc.protocol === "TCP") {
        return `  alive=0
  if (exec 3<>/dev/tcp/127.0.0.1/${hc.port}) 2>/dev/null; then alive=1; fi`;
    }
    const url = `${hc.protocol.toLowerCase()}://127.0.0.1:${hc.port}${hc.path}`;
    return `  # curl prints 000 when nothing answers; any other status means the service is there.
  code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 5 ${shellQuote(url)}) || true
  alive=0
  if [ "\${code:-000}" != "000" ]; then alive=1; fi`;
}

/** The heartbeat loop; `--once` sends at most one beat and exits (for an operator's check). */
export function heartbeatScript(plan: AutoFailoverPlan, node: string, hc: Pick<HealthCheckSpec, "protocol" | "port" | "path">): string {
    const { namespace, metricName, service, periodSeconds } = plan.heartbeat;
    return `#!/bin/bash
# Heartbeat of node ${node} for automatic failover: every ${periodSeconds} s while the service answers
# its health check, one data point of ${namespace} ${metricName} at 1-second resolution. The stack's
# alarm on it starts the failover runbook after ${plan.heartbeat.missedPeriods} x ${periodSeconds} s of silence on the primary.
set -uo pipefail
token=$(curl -fsS -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300') || exit 1
region=$(curl -fsS -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region) || exit 1
next=\${SECONDS}
while :; do
${probe(hc)}
  if [ "\${alive}" -eq 1 ]; then
    aws cloudwatch put-metric-data --region "\${region}" --namespace ${shellQuote(namespace)} \\
      --metric-name ${shellQuote(metricName)} --dimensions ${shellQuote(`Service=${service},Node=${node}`)} \\
      --value 1 --unit Count --storage-resolution 1 || echo "heartbeat not sent" >&2
  fi
  if [ "\${1:-}" = --once ]; then exit 0; fi
  # Every ${periodSeconds} s from the start, not ${periodSeconds} s after each beat, so no period goes empty by drift.
  next=$((next + ${periodSeconds}))
  delay=$((next - SECONDS))
  if [ "\${delay}" -gt 0 ]; then sleep "\${delay}"; else next=\${SECONDS}; fi
done
`;
}

const UNIT = `[Unit]
Description=Heartbeat of this node for automatic failover (ha-service)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=${HEARTBEAT_SCRIPT_PATH}
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
`;

/** The node's config with the heartbeat's files and commands after the profile's own. */
export function withHeartbeat(
    config: NodeConfig,
    plan: AutoFailoverPlan | undefined,
    node: string,
    hc: Pick<HealthCheckSpec, "protocol" | "port" | "path"> | undefined,
): NodeConfig {
    if (plan === undefined || hc === undefined) return config;
    const files: RenderedFile[] = [
        { path: HEARTBEAT_SCRIPT_PATH, mode: "0755", content: heartbeatScript(plan, node, hc) },
        { path: `/etc/systemd/system/${HEARTBEAT_UNIT}`, mode: "0644", content: UNIT },
    ];
    return {
        files: [...config.files, ...files],
        commands: [
            ...config.commands,
            "systemctl daemon-reload",
            `systemctl enable ${HEARTBEAT_UNIT}`,
            // A changed script takes effect now; a running loop would keep the old one.
            `systemctl restart ${HEARTBEAT_UNIT}`,
        ],
    };
}
