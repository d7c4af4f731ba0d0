// A sweep's figure: one measure against a grid axis, a dot per run (seeds spread vertically) and a line
// through the mean of each series; drawn as the reproduction report draws its figures (paper-render.ts).
import { reportFigure } from './paper-render';

export interface SweepPoint {
  x: number;
  series: string;
  value: number;
}

export function sweepFigure(points: SweepPoint[], xLabel: string, yLabel: string, document: Document): SVGSVGElement {
  const figure = { title: '', x: xLabel, y: yLabel, yLog: false, points: points.map(({ x, series, value }) => ({ x, y: value, series })) };
  return reportFigure(figure, document);
}
