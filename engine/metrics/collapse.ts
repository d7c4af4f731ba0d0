// The neural-collapse measures beyond NC1, in float64 from what the metrics stage (layers.ts) reads back: the
// K x K Gram A = Mc Mc^T of the centred class means (row k of Mc is mu_k - mu_G), the per-class within variances,
// and for the classifier W_L (K x m) the K x K products W_L Mc^T, W_L W_L^T and two N x K score matrices.
// NC2, NC3, NC4: Papyan, Han & Donoho, PNAS 2020. CDNV: Galanti, Gyorgy & Hutter, ICLR 2022.

/** The per-layer measures, as metrics.json names them. */
export interface LayerCollapse {
  /** NC2 equinorm: std_k ||mu_k - mu_G|| / mean_k ||mu_k - mu_G||; 0 when the centred means have equal norms. */
  nc2_equinorm: number;
  /** NC2 equiangularity: std over pairs k < k' of cos(mu_k - mu_G, mu_k' - mu_G); 0 when every angle is the same. */
  nc2_equiangularity: number;
  /** NC2 maximal angle: mean over pairs k < k' of |cos + 1/(K-1)|; 0 when every cosine is the simplex's -1/(K-1). */
  nc2_max_angle: number;
  /** || A/||A||_F - (I - 11^T/K)/sqrt(K-1) ||_F: the normalised mean Gram against a simplex ETF's (both of norm 1). */
  nc2_etf_distance: number;
  /** Mean over pairs k < k' of (Var_k + Var_k') / (2 ||mu_k - mu_k'||^2), Var_k = mean_{i in k} ||z_i - mu_k||^2. */
  cdnv: number;
}

/** Population mean and standard deviation (divided by the count, not count - 1: one pair at K = 2 has std 0). */
function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((total, value) => total + value, 0) / values.length;
  const variance = values.reduce((total, value) => total + (value - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

/** NC2 and CDNV from A = Mc Mc^T (K x K, row-major) and Var_k (K). */
export function layerCollapse(centredGram: ArrayLike<number>, classVariances: ArrayLike<number>, K: number): LayerCollapse {
  const entry = (k: number, j: number) => centredGram[k * K + j];
  const norms = Array.from({ length: K }, (_, k) => Math.sqrt(Math.max(0, entry(k, k))));
  const cosines: number[] = [];
  const normalisedVariances: number[] = [];
  for (let k = 0; k < K; k++) {
    for (let j = k + 1; j < K; j++) {
      cosines.push(entry(k, j) / (norms[k] * norms[j]));
      const squaredDistance = entry(k, k) + entry(j, j) - 2 * entry(k, j); // ||mu_k - mu_j||^2 = ||Mc_k - Mc_j||^2
      normalisedVariances.push((classVariances[k] + classVariances[j]) / (2 * squaredDistance));
    }
  }
  const normStats = meanAndStd(norms);
  // The simplex ETF's Gram (I - 11^T/K) has Frobenius norm sqrt(K-1): divided by it, both Grams have norm 1.
  let gramNorm = 0;
  for (let index = 0; index < K * K; index++) gramNorm += centredGram[index] ** 2;
  gramNorm = Math.sqrt(gramNorm);
  let etfDistance = 0;
  for (let k = 0; k < K; k++) {
    for (let j = 0; j < K; j++) {
      const simplex = ((k === j ? 1 : 0) - 1 / K) / Math.sqrt(K - 1);
      etfDistance += (entry(k, j) / gramNorm - simplex) ** 2;
    }
  }
  return {
    nc2_equinorm: normStats.std / normStats.mean,
    nc2_equiangularity: meanAndStd(cosines).std,
    nc2_max_angle: meanAndStd(cosines.map((cosine) => Math.abs(cosine + 1 / (K - 1)))).mean,
    nc2_etf_distance: Math.sqrt(etfDistance),
    cdnv: meanAndStd(normalisedVariances).mean,
  };
}

/**
 * NC3, self-duality: || W/||W||_F - Mc/||Mc||_F ||_F = sqrt(2 - 2 <W, Mc>_F / (||W||_F ||Mc||_F)), from the
 * traces of W Mc^T, W W^T and A (K x K each). From Grams, float32 resolves it down to about 1e-3 (the square
 * root of the rounding of a cosine near 1), not to 0.
 */
export function selfDuality(alignment: ArrayLike<number>, classifierGram: ArrayLike<number>, centredGram: ArrayLike<number>, K: number): number {
  let inner = 0;
  let classifierSquared = 0;
  let meansSquared = 0;
  for (let k = 0; k < K; k++) {
    inner += alignment[k * K + k];
    classifierSquared += classifierGram[k * K + k];
    meansSquared += centredGram[k * K + k];
  }
  return Math.sqrt(Math.max(0, 2 - (2 * inner) / Math.sqrt(classifierSquared * meansSquared)));
}

/**
 * NC4: the fraction of samples whose prediction argmax_k (W z_i + b)_k is the nearest class mean argmin_k
 * ||z_i - mu_k||. With d_i = z_i - mu_{y_i} and P = D Mc^T (N x K), ||z_i - mu_k||^2 = ||d_i||^2 +
 * ||Mc_y - Mc_k||^2 + 2 (P_iy - P_ik): the nearest mean from small deviations and mean differences, never from
 * ||z_i||^2 - 2 z_i.mu_k + ||mu_k||^2, whose terms cancel once a layer has collapsed.
 */
export function classifierAgreement(
  outputs: ArrayLike<number>,
  deviationScores: ArrayLike<number>,
  centredGram: ArrayLike<number>,
  labels: ArrayLike<number>,
  K: number,
): number {
  const N = labels.length;
  let agreeing = 0;
  for (let i = 0; i < N; i++) {
    const y = labels[i];
    let predicted = 0;
    let nearest = 0;
    let nearestDistance = Infinity;
    for (let k = 0; k < K; k++) {
      if (outputs[i * K + k] > outputs[i * K + predicted]) predicted = k;
      const meanDistance = centredGram[y * K + y] + centredGram[k * K + k] - 2 * centredGram[y * K + k];
      const distance = meanDistance + 2 * (deviationScores[i * K + y] - deviationScores[i * K + k]); // minus ||d_i||^2
      if (distance < nearestDistance) {
        nearest = k;
        nearestDistance = distance;
      }
    }
    if (predicted === nearest) agreeing += 1;
  }
  return agreeing / N;
}
