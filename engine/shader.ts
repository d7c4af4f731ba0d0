// WGSL sources as the engine compiles them: a file from shaders/ (with its includes), plus constants generated
// from TypeScript tables, so an op code or mode is written once, in TypeScript, and the shader uses its name.

/** A WGSL file as the loader gives it (scripts/wgsl-module.mjs): `sections` say where each included file starts. */
export interface ShaderFile {
  name: string;
  source: string;
  sections: { name: string; firstLine: number }[];
}

/**
 * The shader with `const PREFIX_NAME = i;` appended for the i-th of `names` (reluBackward: OP_RELU_BACKWARD), after
 * every file's lines so their numbers hold. The codes are the names' positions: the table is the only definition.
 */
export function withCodes(shader: ShaderFile, prefix: string, names: readonly string[]): ShaderFile {
  const constants = names.map((name, code) => `const ${prefix}_${name.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase()} = ${code}u;`);
  const source = shader.source.endsWith('\n') ? shader.source : `${shader.source}\n`;
  const firstLine = source.split('\n').length;
  return {
    name: shader.name,
    source: `${source}// generated from engine/ops (${prefix} codes)\n${constants.join('\n')}\n`,
    sections: [...shader.sections, { name: `${shader.name}'s generated ${prefix} codes`, firstLine }],
  };
}

/** "file.wgsl:12" for line `line` of the composed source. */
export function locate(shader: ShaderFile, line: number): string {
  const section = shader.sections.filter((candidate) => candidate.firstLine <= line).at(-1) ?? shader.sections[0];
  return `${section.name}:${line - section.firstLine + 1}`;
}
