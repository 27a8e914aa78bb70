/**
 * The HaService's output types, in a module of their own: the public declarations (dist/lib.d.ts)
 * reach them without components/aws/service.ts, whose imports bring in @pulumi/aws's declarations.
 * A program that type-checks against this package therefore reads none of @pulumi/aws's files
 * (about 550, with its 5.7 MB types/input.d.ts) unless it imports @pulumi/aws itself
 * (test/package.test.ts, the consumer's type-check).
 */

/** One node of the service, in `HaService.nodes` (by node name). */
export interface NodeOutput {
    readonly instanceId: string;
    readonly privateIp: string;
    readonly zone: string;
    readonly role: string;
}
