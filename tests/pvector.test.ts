// P-vectors against a float64 eigendecomposition of Z Z^T computed in the test.
import { describe, expect, it } from 'vitest';
import { symmetricEigen } from '../engine/metrics/eigen';
import { pvectorAngle, topLeftSingularVector } from '../engine/metrics/pvector';
import { matmulRef, randomMatrix, seededRandom, transpose } from './reference';
import { toTensor, useGpu } from './gpu';

const gpu = useGpu();

describe('P-vectors', () => {
  it('power iteration on the GPU finds the top left singular vector and value of float64 SVD', async () => {
    const random = seededRandom(21);
    const [N, m] = [40, 25];
    const left = randomMatrix(random, N, 1);
    const right = randomMatrix(random, 1, m);
    const noise = randomMatrix(random, N, m, 0.3);
    const z = { rows: N, cols: m, data: noise.data.map((v, i) => Math.fround(v + 0.5 * left.data[Math.floor(i / m)] * right.data[i % m])) };
    const { values, vectors } = symmetricEigen(matmulRef(z, transpose(z)).data, N);
    const expected = Array.from({ length: N }, (_, i) => vectors[i * N]); // first column: the top eigenvector
    expect(Math.sqrt(values[1] / values[0])).toBeLessThan(0.7); // a clear gap, so 100 iterations converge

    const features = toTensor(gpu(), z);
    const { vector, singularValue } = await topLeftSingularVector(gpu(), features);
    features.dispose();
    expect(pvectorAngle(vector, expected)).toBeLessThan(0.1);
    expect(Math.abs(singularValue - Math.sqrt(values[0])) / Math.sqrt(values[0])).toBeLessThan(1e-4);
  });

  it('measures angles blind to sign', () => {
    expect(pvectorAngle([1, 0], [-1, 0])).toBeCloseTo(0, 6);
    expect(pvectorAngle([1, 0], [1, 1])).toBeCloseTo(45, 6);
    expect(pvectorAngle([0, 2], [3, 0])).toBeCloseTo(90, 6);
  });
});
