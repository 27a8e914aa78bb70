/**
 * The package's public API: the `HaService` component, its args and output types, and its error.
 * (index.ts is this repository's own stack program: it builds one HaService from the stack config.)
 * The component provider (PulumiPlugin.yaml) exposes every component class this module exports.
 */
export { HaService, type Document } from "./components/ha-service";
export type { NodeOutput } from "./components/service";
export {
    HA_SERVICE_TYPE,
    HaServiceArgsError,
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
    type HaServiceArgs,
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
} from "./components/ha-service-args";
