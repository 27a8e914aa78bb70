import * as pulumi from "@pulumi/pulumi";

/**
 * Node keys of this stack's last deployment: its own `nodes` output, read through a StackReference
 * to the stack itself (the engine reads the last checkpoint; a stack never deployed has no output).
 * Only for profiles whose members leave explicitly (plan/membership.ts), so other stacks register
 * no reference.
 */
export async function previousMembers(as?: { name: string; parent: pulumi.Resource }): Promise<string[]> {
    const stack = `${organization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    // A component's own reference is named after it, so two services in one program do not collide.
    const self = as ? new pulumi.StackReference(as.name, { name: stack }, { parent: as.parent }) : new pulumi.StackReference(stack);
    const details = await self.getOutputDetails("nodes");
    const nodes = details.value ?? details.secretValue;
    return nodes !== null && typeof nodes === "object" ? Object.keys(nodes as Record<string, unknown>) : [];
}

/** The CLI always passes the organization; mocks set without one get the self-managed backends' default. */
function organization(): string {
    try {
        return pulumi.getOrganization();
    } catch {
        return "organization";
    }
}
