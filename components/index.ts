/**
 * The package's public entry point (package.json `exports`, built to dist/index.js by
 * tsconfig.build.json): the HaService component, its args and errors. The pure plan and the tools
 * stay internal. The repository's own Pulumi program is index.ts at the root (Pulumi.yaml `main`).
 */
export { ConfigError } from "./config";
export { type Document, HaService, type NodeOutput } from "./ha-service";
export {
    type AccessArgs,
    type AccessLogsArgs,
    type BackupsArgs,
    type CreateNetworkArgs,
    type DataVolumeArgs,
    type DnsArgs,
    type DnsTarget,
    type FailoverMode,
    type FailoverSettingsArgs,
    type FormerPrimaryState,
    type GeoReplicaArgs,
    type GhesBackupArgs,
    type GhesHaArgs,
    HA_SERVICE_TYPE,
    type HaServiceArgs,
    HaServiceArgsError,
    type HealthCheckArgs,
    type HealthCheckProtocol,
    type ListenerArgs,
    type ListenerProtocol,
    type LoadBalancerArgs,
    type LoadBalancerKind,
    type LoadBalancerScheme,
    type MonitoringArgs,
    type NetworkArgs,
    type NodeArgs,
    type RelaxArgs,
    type SnapshotIntervalHours,
    type SslPolicy,
    type SubnetArgs,
    type TargetProtocol,
    type Topology,
} from "./ha-service-args";
