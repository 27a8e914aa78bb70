/**
 * The policy pack's entry point: `pulumi preview --policy-pack policy`. It only serves the
 * policies defined in `policies.ts`; constructing the pack starts the gRPC server the engine talks
 * to, so nothing else (tests included) imports this file.
 */
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
    description: "Secure defaults and topology invariants of the ha-service HA and cluster stacks.",
    enforcementLevel: "mandatory",
    policies,
});
