/**
 * The `region` input every @pulumi/aws v7 resource takes: set only for resources of the DR region, so
 * the stack's own resources keep exactly the inputs they had (and one provider serves both regions).
 */
export function inRegion(region: string | undefined): { readonly region?: string } {
    return region === undefined ? {} : { region };
}
