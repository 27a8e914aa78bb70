/** Small statistics for the benchmarks: medians of repeated runs and a least-squares line for growth. */

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
    if (xs.length === 0) throw new Error("median of an empty list");
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface LinearFit {
    readonly slope: number;
    readonly intercept: number;
    /** Coefficient of determination: 1 is a perfect line; 1 also when every y is the same. */
    readonly r2: number;
}

/** Ordinary least squares y = slope * x + intercept over at least two distinct x. */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit {
    if (xs.length !== ys.length) throw new Error(`linearFit: ${xs.length} x values but ${ys.length} y values`);
    if (new Set(xs).size < 2) throw new Error("linearFit needs at least two distinct x values");
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
        sxy += (xs[i] - mx) * (ys[i] - my);
        sxx += (xs[i] - mx) ** 2;
        syy += (ys[i] - my) ** 2;
    }
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    let ssRes = 0;
    for (let i = 0; i < n; i++) ssRes += (ys[i] - (slope * xs[i] + intercept)) ** 2;
    return { slope, intercept, r2: syy === 0 ? 1 : 1 - ssRes / syy };
}

/** Cost of each extra unit between consecutive points: (y[i+1] - y[i]) / (x[i+1] - x[i]). */
export function increments(xs: readonly number[], ys: readonly number[]): number[] {
    if (xs.length !== ys.length) throw new Error(`increments: ${xs.length} x values but ${ys.length} y values`);
    const out: number[] = [];
    for (let i = 1; i < xs.length; i++) out.push((ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1]));
    return out;
}
