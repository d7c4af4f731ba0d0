// Node-only file access for .npy arrays: the format itself lives in npy.ts, which the browser can use on
// fetched bytes. Every error, from the file system or the format, starts with the file's path.
import { readFile, writeFile } from 'node:fs/promises';
import { readNpy, writeNpy, type NpyArray, type NpyDtype } from './npy';

/** Read and parse the .npy file at `path`. */
export async function readNpyFile(path: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new Error(`${path}: cannot read the file (${describe(error)})`, { cause: error });
  }
  return readNpy(bytes, path); // readNpy prefixes its own errors with the path
}

/** Write `data` (C order) with `shape` to `path` as NumPy's np.save would; the dtype defaults as in writeNpy. */
export async function writeNpyFile(path: string, data: ArrayLike<number>, shape: readonly number[], dtype?: NpyDtype): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = writeNpy(data, shape, dtype);
  } catch (error) {
    throw new Error(`${path}: ${describe(error)}`, { cause: error });
  }
  try {
    await writeFile(path, bytes);
  } catch (error) {
    throw new Error(`${path}: cannot write the file (${describe(error)})`, { cause: error });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
