// A seeded pseudo-random generator for data and initialisations: the same seed gives the same numbers in every
// run, in Node and in the browser. The generator is xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/):
// 128 bits of state updated with 32-bit integer operations only (Math.imul, shifts), which JavaScript defines
// exactly, so the integer stream is bit-identical on every platform. Its state is seeded by splitmix32.

/** A seed, or a generator already in use (so one stream can feed several draws in a fixed order). */
export type SeedOrRandom = number | Random;

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/** Rotate a 32-bit integer left by `bits`. */
function rotateLeft(value: number, bits: number): number {
  return (value << bits) | (value >>> (32 - bits));
}

/** One step of splitmix32: a well-mixed 32-bit word from a counter, used only to spread the seed over the state. */
function splitmix32(counter: number): number {
  let mixed = Math.imul(counter ^ (counter >>> 16), 0x85ebca6b);
  mixed = Math.imul(mixed ^ (mixed >>> 13), 0xc2b2ae35);
  return (mixed ^ (mixed >>> 16)) >>> 0;
}

/**
 * A seeded generator of uniform and normal draws.
 *
 * Reproducibility: `nextUint32` and `uniform` are bit-identical everywhere. `normal` uses Math.log, Math.sqrt and
 * Math.cos; sqrt is exactly rounded by the standard, while log and cos are identical across V8 (Node, Chrome)
 * but may differ in the last bit on other engines.
 */
export class Random {
  private state: Uint32Array; // xoshiro128**'s four 32-bit words

  /** @param seed any safe integer (negative and above 2^32 included: both 32-bit halves enter the state). */
  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new Error(`Random: the seed must be a safe integer, got ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / 4294967296) >>> 0;
    this.state = new Uint32Array(4);
    let counter = low ^ Math.imul(high, 0x9e3779b9);
    for (let word = 0; word < 4; word++) {
      counter = (counter + 0x9e3779b9) | 0;
      this.state[word] = splitmix32(counter);
    }
    // xoshiro's all-zero state is a fixed point; splitmix32 cannot produce four zeros, but be explicit.
    if (this.state.every((word) => word === 0)) this.state[0] = 1;
  }

  /** The next 32 uniformly random bits, as an integer in [0, 2^32). */
  nextUint32(): number {
    const state = this.state;
    const result = Math.imul(rotateLeft(Math.imul(state[1], 5), 7), 9) >>> 0;
    const shifted = state[1] << 9;
    state[2] ^= state[0];
    state[3] ^= state[1];
    state[1] ^= state[2];
    state[0] ^= state[3];
    state[2] ^= shifted;
    state[3] = rotateLeft(state[3], 11);
    return result;
  }

  /** A uniform draw from [low, high) (default [0, 1)), with all 53 bits of a float64 random. */
  uniform(low = 0, high = 1): number {
    const upper = this.nextUint32() >>> 5; // 27 bits
    const lower = this.nextUint32() >>> 6; // 26 bits
    const unit = (upper * TWO_POW_26 + lower) / TWO_POW_53;
    return low + (high - low) * unit;
  }

  /** A uniform integer in [0, count), for count <= 2^32 (the bias from 53-bit floats is below 2^-21). */
  integer(count: number): number {
    if (!Number.isInteger(count) || count < 1 || count > 4294967296) {
      throw new Error(`Random.integer: count must be an integer in [1, 2^32], got ${count}`);
    }
    return Math.floor(this.uniform() * count);
  }

  /**
   * A normal draw N(mean, std^2) by Box-Muller. Each call uses two uniforms and returns only the cosine branch,
   * so the result depends on the stream position alone (no cached second value to carry between calls).
   */
  normal(mean = 0, std = 1): number {
    const radiusUniform = 1 - this.uniform(); // in (0, 1], so the log is finite
    const angleUniform = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(radiusUniform)) * Math.cos(2 * Math.PI * angleUniform);
  }

  /** A uniformly random permutation of 0..count-1 (Fisher-Yates). */
  permutation(count: number): Int32Array {
    const order = Int32Array.from({ length: count }, (_, i) => i);
    for (let i = count - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  }

  /** Fill `array` with uniform draws from [low, high), in index order; returns the array. */
  fillUniform<T extends Float32Array | Float64Array>(array: T, low = 0, high = 1): T {
    for (let i = 0; i < array.length; i++) array[i] = this.uniform(low, high);
    return array;
  }

  /** Fill `array` with N(mean, std^2) draws, in index order; returns the array. */
  fillNormal<T extends Float32Array | Float64Array>(array: T, mean = 0, std = 1): T {
    for (let i = 0; i < array.length; i++) array[i] = this.normal(mean, std);
    return array;
  }
}

/** The generator for `seed`: a new one for a number, the same object for a generator. */
export function toRandom(seed: SeedOrRandom): Random {
  return typeof seed === 'number' ? new Random(seed) : seed;
}
