/**
 * The node side of automatic failover behind a load balancer (plan/autofailover.ts): a loop that
 * sends one high-resolution data point of the heartbeat metric every HEARTBEAT_PERIOD seconds while
 * the node's service is alive. Pure: commands appended to the node's rendered config.
 *
 * Alive means the service answers its health check where the load balancer sends it (the node's
 * private address) with a status below 500 or 503: 200 on the primary, and a replica's refusal (the
 * generic contract's 503, or any 4xx). No answer, or 500/502/504 (a proxy in front of a dead
 * application), is down. A node also counts as alive while its apply script runs (the service's
 * hook may restart it; at most APPLY_GRACE_MINUTES) and while an operator's maintenance flag is
 * fresh (MAINTENANCE_FLAG, at most MAINTENANCE_GRACE_MINUTES old), so planned work on the primary
 * does not fail it over. A reboot or a stop silences the loop itself: disable the failover rule first.
 */
import type { HealthCheckSpec } from "../config";
import type { NodeConfig } from "../profiles";
import { shellQuote } from "../profiles/shell";
import { HEARTBEAT_SCRIPT_PATH, HEARTBEAT_UNIT } from "./autofailover";
import type { AutoFailoverPlan } from "./types";
import { STATE_DIR } from "./userdata";

/** The apply script holds this lock while it runs (components/plan/userdata.ts `applyScript`). */
export const APPLY_LOCK = "/run/ha-service-apply.lock";
/** An apply run counts as planned work for at most this long. */
export const APPLY_GRACE_MINUTES = 10;
/** `touch` it before planned work that stops the service on the primary; it holds for MAINTENANCE_GRACE_MINUTES. */
export const MAINTENANCE_FLAG = `${STATE_DIR}/maintenance`;
export const MAINTENANCE_GRACE_MINUTES = 60;
/** Each probe and each PutMetricData call gets at most this long, so one slow call cannot silence two periods. */
const CALL_TIMEOUT = 5;

type Probe = Pick<HealthCheckSpec, "protocol" | "port" | "path">;

/** Bash that sets `alive` to 1 when the service answers its health check at `${address}` as a live node does. */
function probe(hc: Probe): string {
    if (hc.protocol === "TCP") {
        return `  alive=0
  if timeout ${CALL_TIMEOUT} bash -c "exec 3<>/dev/tcp/\${address}/${hc.port}" 2>/dev/null; then alive=1; fi`;
    }
    const url = `${hc.protocol.toLowerCase()}://\${address}:${hc.port}${hc.path}`;
    return `  # curl prints 000 when nothing answers.
  code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time ${CALL_TIMEOUT} "${url}") || true
  alive=0
  if [ "\${code:-000}" != 000 ] && { [ "\${code}" -lt 500 ] || [ "\${code}" -eq 503 ]; }; then alive=1; fi`;
}

/**
 * The heartbeat loop. `--once` checks and sends at most one beat, then exits 0 when a beat was sent,
 * 1 when the node is not alive, 2 when the send failed (an operator's check).
 */
export function heartbeatScript(plan: AutoFailoverPlan, node: string, hc: Probe): string {
    const { namespace, metricName, service, periodSeconds, missedPeriods } = plan.heartbeat;
    return `#!/bin/bash
# Heartbeat of node ${node} for automatic failover: every ${periodSeconds} s while the service is alive, one
# data point of ${namespace} ${metricName} at 1-second resolution. The stack's alarm on it starts the
# failover runbook after ${missedPeriods} x ${periodSeconds} s of silence on the primary. Planned work: touch ${MAINTENANCE_FLAG}
# (holds ${MAINTENANCE_GRACE_MINUTES} min); before a reboot or stop, disable the failover rule.
set -uo pipefail
# One attempt per call, each bounded: a late beat is worth nothing, the next one is due.
export AWS_MAX_ATTEMPTS=1
# The token serves only these two lookups; the aws CLI fetches its own credentials.
token=$(curl -fsS --max-time ${CALL_TIMEOUT} -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 60') || exit 1
region=$(curl -fsS --max-time ${CALL_TIMEOUT} -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/placement/region) || exit 1
address=$(curl -fsS --max-time ${CALL_TIMEOUT} -H "X-aws-ec2-metadata-token: \${token}" http://169.254.169.254/latest/meta-data/local-ipv4) || exit 1
next=\${SECONDS}
while :; do
${probe(hc)}
  # Planned work counts as alive: an apply run (the service's hook may restart it) or a fresh maintenance flag.
  if [ "\${alive}" -eq 0 ] && ! flock -n ${APPLY_LOCK} true 2>/dev/null && [ -n "$(find ${APPLY_LOCK} -mmin -${APPLY_GRACE_MINUTES} 2>/dev/null)" ]; then alive=1; fi
  if [ "\${alive}" -eq 0 ] && [ -n "$(find ${MAINTENANCE_FLAG} -mmin -${MAINTENANCE_GRACE_MINUTES} 2>/dev/null)" ]; then alive=1; fi
  sent=1
  if [ "\${alive}" -eq 1 ]; then
    timeout ${CALL_TIMEOUT} aws cloudwatch put-metric-data --region "\${region}" --cli-connect-timeout 2 --cli-read-timeout 3 \\
      --namespace ${shellQuote(namespace)} --metric-name ${shellQuote(metricName)} \\
      --dimensions ${shellQuote(`Service=${service},Node=${node}`)} --value 1 --unit Count --storage-resolution 1 ||
      { sent=0; echo "heartbeat not sent" >&2; }
  fi
  if [ "\${1:-}" = --once ]; then
    if [ "\${alive}" -eq 0 ]; then exit 1; fi
    if [ "\${sent}" -eq 0 ]; then exit 2; fi
    exit 0
  fi
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

/**
 * The heartbeat's files and commands, for the node script to run after all of the profile's steps
 * (renderNodeScript `after`): the node script writes a config's files before its commands, so as the
 * profile's own files they would come before the profile's commands in the step list, and turning the
 * feature on would re-run those (join steps included). Undefined without automatic failover behind a
 * load balancer.
 */
export function heartbeatSteps(plan: AutoFailoverPlan | undefined, node: string, hc: Probe | undefined): NodeConfig | undefined {
    if (plan === undefined || hc === undefined) return undefined;
    return {
        files: [
            { path: HEARTBEAT_SCRIPT_PATH, mode: "0755", content: heartbeatScript(plan, node, hc) },
            { path: `/etc/systemd/system/${HEARTBEAT_UNIT}`, mode: "0644", content: UNIT },
        ],
        commands: [
            "systemctl daemon-reload",
            `systemctl enable ${HEARTBEAT_UNIT}`,
            // A changed script takes effect now; a running loop would keep the old one.
            `systemctl restart ${HEARTBEAT_UNIT}`,
        ],
    };
}
