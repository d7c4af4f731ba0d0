// The theory's predictions as least-squares fits over layers: geometric decay of C_l, linear growth of D_l.

export interface LineFit {
  slope: number;
  intercept: number;
  /** Coefficient of determination; 1 for a perfect line (and for a constant series fit exactly). */
  r2: number;
}

/** Ordinary least squares y = slope * x + intercept. */
export function fitLine(x: readonly number[], y: readonly number[]): LineFit {
  if (x.length !== y.length || x.length < 2) throw new Error(`fitLine: needs two or more (x, y) pairs, got ${x.length} and ${y.length}`);
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
  return { slope, intercept, r2: syy === 0 ? 1 : 1 - residual / syy };
}

export interface LayerFits {
  log10C_slope: number;
  log10C_intercept: number;
  log10C_r2: number;
  /** rho = C_{l+1} / C_l implied by the fit: 10^slope. */
  compression_ratio: number;
  D_slope: number;
  D_intercept: number;
  D_r2: number;
  /** The layers the fits use. */
  layers: number[];
}

/**
 * Fits log10 C_l and D_l against l over the hidden layers 1..L-1 (the input, layer 0, is data, not a layer's
 * output, and the theory's rate applies from the first layer on); with fewer than two hidden layers, over 0..L-1.
 */
export function fitLayers(layers: readonly { layer: number; C: number; D: number }[]): LayerFits {
  const hidden = layers.filter((entry) => entry.layer >= 1);
  const used = hidden.length >= 2 ? hidden : layers;
  const x = used.map((entry) => entry.layer);
  const compression = fitLine(x, used.map((entry) => Math.log10(entry.C)));
  const discrimination = fitLine(x, used.map((entry) => entry.D));
  return {
    log10C_slope: compression.slope,
    log10C_intercept: compression.intercept,
    log10C_r2: compression.r2,
    compression_ratio: 10 ** compression.slope,
    D_slope: discrimination.slope,
    D_intercept: discrimination.intercept,
    D_r2: discrimination.r2,
    layers: x,
  };
}
