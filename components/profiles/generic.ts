import { ServiceProfile } from "./types";

/**
 * A generic HTTP service: users on 443 (and 80, redirected by an ALB), an admin port, and one
 * replication port between nodes. The baseline every other profile is compared against.
 */
export const generic: ServiceProfile = {
    name: "generic",
    description: "Generic HTTP service with a /health endpoint and one replication port.",
    topologies: ["ha", "cluster"],
    ports: {
        user: [
            { port: 443, protocol: "tcp", description: "HTTPS from clients" },
            { port: 80, protocol: "tcp", description: "HTTP from clients" },
        ],
        admin: [{ port: 8443, protocol: "tcp", description: "management console" }],
        replication: {
            ha: [{ port: 7000, protocol: "tcp", description: "replication stream" }],
            cluster: [{ port: 7000, protocol: "tcp", description: "replication stream" }],
        },
    },
    // The service's contract: 200 only where it takes writes. HA registers every node with the load
    // balancer, so /health must fail on a replica and on a primary whose writes were stopped for a
    // promotion (its maintenance mode); otherwise two nodes would take traffic at once.
    healthCheck: { protocol: "HTTP", port: 80, path: "/health", matcher: "200" },
    loadBalancer: {
        defaultKind: "alb",
        allowedKinds: ["alb", "nlb"],
        listeners: {
            // TLS ends at the ALB; the node serves plain HTTP inside the VPC.
            alb: [{ port: 443, protocol: "HTTPS", targetPort: 80, targetProtocol: "HTTP" }],
            // Pass-through: the node terminates TLS itself.
            nlb: [
                { port: 443, protocol: "TCP", targetPort: 443, targetProtocol: "TCP" },
                { port: 80, protocol: "TCP", targetPort: 80, targetProtocol: "TCP" },
            ],
        },
        preserveClientIp: true,
        proxyProtocolV2: false,
    },
    roles: { names: ["member"], serving: ["member"], required: [], defaults: ["member"], leaders: [] },
    limits: {
        ha: { min: 2, max: 10 },
        cluster: { min: 2, max: 200 },
    },
    // The service's own hook, like /etc/ha-service/hooks/apply: it makes the local replica the
    // primary; /health returns 200 here afterwards (docs/profiles.md, "generic").
    failover: { automaticAllowed: true, promoteCommand: "/etc/ha-service/hooks/promote" },
    // The service's own hook (/etc/ha-service/hooks/apply) reads the document; nothing to render.
    render: () => ({ files: [], commands: [] }),
};
