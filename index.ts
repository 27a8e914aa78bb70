/**
 * The Pulumi program: read the stack config, build one HaService from it, export its outputs.
 * Exported as a function (no side effects on import) so tests and tools can run it repeatedly.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, loadSecretTexts, loadSpec, readNamespace } from "./components/config";
import { HaService, withValidatedSpec } from "./components/aws/ha-service";
import type { HaServiceArgs } from "./components/config/ha-service-args";
import { departedWithoutRemoval } from "./components/plan/membership";
import { previousMembers } from "./components/aws/previous";
import { markSecretInputs } from "./components/aws/secrets";

async function program(): Promise<Record<string, unknown>> {
    // Stack-file key paths (`ha-service:nodes...`) in every error, before anything is registered.
    const spec = loadSpec();
    if (spec.profile.membersLeaveExplicitly?.includes(spec.topology)) {
        const departed = departedWithoutRemoval(spec, await previousMembers());
        if (departed.length > 0) throw new ConfigError(spec.stack, departed, spec.project);
    }
    // loadSpec accepted these keys, so they have the args' shape (and HaService need not check them, nor
    // read the previous members, again).
    const config = readNamespace(pulumi.runtime.allConfig(), spec.project) as unknown as HaServiceArgs;
    // Values of secret keys reach inputs and outputs as Pulumi secrets, not plain text in the state:
    // HaService marks its resources' inputs and its own outputs, this program the stack's outputs.
    const secrets = loadSecretTexts(spec.project);
    const args = withValidatedSpec(config, spec, { membersChecked: true, secretTexts: secrets });
    const service = new HaService(spec.name, args);
    const outputs = Object.fromEntries(STACK_OUTPUTS.filter((k) => service[k] !== undefined).map((k) => [k, service[k]]));
    return markSecretInputs(outputs, secrets);
}

/**
 * The stack outputs, as before HaService (an unset one is left out). `production` and `relaxations`
 * are read by the policy pack; `nodes` by the next deployment's membership check.
 */
const STACK_OUTPUTS = [
    "topology",
    "profile",
    "endpoint",
    "dnsName",
    "loadBalancerDnsName",
    "primary",
    "nodes",
    "replicationDocuments",
    "alarmTopicArn",
    "backupHost",
    "failoverAnalysis",
    "runbooks",
    "warnings",
    "production",
    "relaxations",
] as const satisfies readonly (keyof HaService)[];

export = program;
