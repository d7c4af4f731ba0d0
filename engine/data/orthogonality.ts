// How nearly orthogonal the samples are (METHOD.md): the theory's setting has unit-norm, nearly orthogonal x_i.

export interface Orthogonality {
  /** max_i | ||x_i||^2 - 1 | */
  max_norm_deviation: number;
  /** max_{i != j} | <x_i, x_j> | */
  max_inner_product: number;
}

/** Both measures of the rows of an N x d row-major matrix, in float64 (N^2 d work). */
export function orthogonality(inputs: { rows: number; cols: number; data: ArrayLike<number> }): Orthogonality {
  const { rows, cols, data } = inputs;
  let normDeviation = 0;
  let inner = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      let dot = 0;
      for (let k = 0; k < cols; k++) dot += data[i * cols + k] * data[j * cols + k];
      if (i === j) normDeviation = Math.max(normDeviation, Math.abs(dot - 1));
      else inner = Math.max(inner, Math.abs(dot));
    }
  }
  return { max_norm_deviation: normDeviation, max_inner_product: inner };
}
