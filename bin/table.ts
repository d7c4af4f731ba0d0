// The per-layer table and the fits, as printed at the end of a run.
import { type NetworkMetrics, showFit } from '../engine';

const format = (value: number) => (Math.abs(value) >= 1e-3 && Math.abs(value) < 1e4 ? value.toFixed(4) : value.toExponential(3));

export function layerTable(metrics: NetworkMetrics): string {
  const header = ['layer', 'C', 'log10 C', 'D', 'NC1', 'Tr Sigma_W', 'Tr Sigma_B', 'rank'];
  const rows = metrics.layers.map((layer) => [
    String(layer.layer),
    format(layer.C),
    layer.C > 0 ? Math.log10(layer.C).toFixed(3) : '-',
    format(layer.D),
    format(layer.NC1),
    format(layer.trace_within),
    format(layer.trace_between),
    String(layer.rank),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column])).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function fitSummary({ fit, balancedness }: NetworkMetrics): string {
  const layers = `layers ${fit.layers[0]}..${fit.layers.at(-1)}`;
  return [
    `log10 C_l = ${showFit(fit.log10C_slope, 4)} l + ${showFit(fit.log10C_intercept, 4)}   R^2 = ${showFit(fit.log10C_r2, 6)}   (${layers})`,
    `compression ratio rho = C_{l+1}/C_l = ${showFit(fit.compression_ratio, 4)}`,
    `D_l = ${showFit(fit.D_slope, 4)} l + ${showFit(fit.D_intercept, 4)}   R^2 = ${showFit(fit.D_r2, 4)}`,
    ...(fit.note ? [`n/a: ${fit.note}`] : []),
    `balancedness ||W_l W_l^T - W_{l+1}^T W_{l+1}||_F: ${balancedness.map(format).join(', ')}`,
  ].join('\n');
}
