// The theory's predictions as least-squares fits over layers: geometric decay of C_l, linear growth of D_l.

/** A line passes through any two points, so R^2 says something only from three on. */
const POINTS_FOR_SLOPE = 2;
const POINTS_FOR_R2 = 3;

export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination; 1 for a perfect line; null below three points, where it is 1 by construction. */
  r2: number | null;
}

/** Ordinary least squares y = slope * x + intercept over two or more points. */
export function fitLine(x: readonly number[], y: readonly number[]): LineFit {
  if (x.length !== y.length || x.length < POINTS_FOR_SLOPE) throw new Error(`fitLine: needs two or more (x, y) pairs, got ${x.length} and ${y.length}`);
  const n = x.length;
  const meanX = x.reduce((s, v) => s + v, 0) / n;
  const meanY = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - meanX) * (y[i] - meanY);
    sxx += (x[i] - meanX) ** 2;
    syy += (y[i] - meanY) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = meanY - slope * meanX;
  const residual = y.reduce((s, v, i) => s + (v - (slope * x[i] + intercept)) ** 2, 0);
  return { slope, intercept, r2: n < POINTS_FOR_R2 ? null : syy === 0 ? 1 : 1 - residual / syy };
}

/** metrics.json's `fit`: a figure is null where too few layers define it, and `note` says why. */
export interface LayerFits {
  log10C_slope: number | null;
  log10C_intercept: number | null;
  log10C_r2: number | null;
  /** rho = C_{l+1} / C_l implied by the fit: 10^slope. */
  compression_ratio: number | null;
  D_slope: number | null;
  D_intercept: number | null;
  D_r2: number | null;
  /** The layers the fits use. */
  layers: number[];
  /** Why some figures are null; null when none is. */
  note: string | null;
}

/**
 * Fits log10 C_l and D_l against l over the hidden layers 1..L-1 (the input, layer 0, is data, not a layer's
 * output, and the theory's rate applies from the first layer on); with fewer than two hidden layers, over 0..L-1.
 */
export function fitLayers(layers: readonly { layer: number; C: number; D: number }[]): LayerFits {
  const hidden = layers.filter((entry) => entry.layer >= 1);
  const used = hidden.length >= POINTS_FOR_SLOPE ? hidden : layers;
  const x = used.map((entry) => entry.layer);
  if (x.length < POINTS_FOR_SLOPE) {
    const none = { log10C_slope: null, log10C_intercept: null, log10C_r2: null, compression_ratio: null, D_slope: null, D_intercept: null, D_r2: null };
    return { ...none, layers: x, note: `a slope needs at least ${POINTS_FOR_SLOPE} layers; there is ${x.length}` };
  }
  const notes: string[] = [];
  /** The fit of `y`, or nulls and a note where some value cannot be fitted (C = 0 has no logarithm). */
  const fitOf = (name: string, y: number[]) => {
    const bad = x.filter((_, i) => !Number.isFinite(y[i]));
    if (bad.length === 0) return fitLine(x, y);
    notes.push(`${name} is not finite at layer(s) ${bad.join(', ')}`);
    return { slope: null, intercept: null, r2: null };
  };
  const compression = fitOf(
    'log10 C',
    used.map((entry) => Math.log10(entry.C)),
  );
  const discrimination = fitOf(
    'D',
    used.map((entry) => entry.D),
  );
  if (x.length < POINTS_FOR_R2) notes.push(`R^2 needs at least ${POINTS_FOR_R2} layers; the fit has ${x.length}, through which any line passes`);
  return {
    log10C_slope: compression.slope,
    log10C_intercept: compression.intercept,
    log10C_r2: compression.r2,
    compression_ratio: compression.slope === null ? null : 10 ** compression.slope,
    D_slope: discrimination.slope,
    D_intercept: discrimination.intercept,
    D_r2: discrimination.r2,
    layers: x,
    note: notes.length > 0 ? notes.join('; ') : null,
  };
}

/** A fit's figure for a table or a figure: 'n/a' where it is null (the fit's note says why). */
export const showFit = (value: number | null, digits: number): string => (value === null ? 'n/a' : value.toFixed(digits));
