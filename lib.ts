/**
 * The package's public API: the `HaService` component, its args and output types, and its error.
 * (index.ts is this repository's own stack program: it builds one HaService from the stack config.)
 * The component provider (PulumiPlugin.yaml) exposes every component class this module exports.
 */
export { HaService, type HaServiceDocument } from "./components/aws/ha-service";
export type { NodeOutput } from "./components/aws/outputs";
export {
    HA_SERVICE_TYPE,
    HaServiceArgsError,
    type AccessArgs,
    type AccessLogsArgs,
    type BackupsArgs,
    type CreateNetworkArgs,
    type DataVolumeArgs,
    type DnsArgs,
    type DrArgs,
    type DrBackupsArgs,
    type DrConnectionArgs,
    type DrCreateNetworkArgs,
    type DrNetworkArgs,
    DnsTarget,
    FailoverMode,
    type FailoverSettingsArgs,
    FormerPrimaryState,
    type GeoReplicaArgs,
    type GhesBackupArgs,
    type GhesHaArgs,
    type HaServiceArgs,
    type HealthCheckArgs,
    HealthCheckProtocol,
    type ListenerArgs,
    ListenerProtocol,
    type LoadBalancerArgs,
    LoadBalancerKind,
    LoadBalancerScheme,
    type MonitoringArgs,
    type NetworkArgs,
    type NodeArgs,
    ProfileName,
    type RelaxArgs,
    SnapshotIntervalHours,
    SslPolicy,
    type SubnetArgs,
    TargetProtocol,
    Topology,
} from "./components/config/ha-service-args";
