// A sweep's figure: one measure against a grid axis, a dot per run (seeds spread vertically) and a line
// through the mean of each series. Observable Plot; browser-safe (the caller passes the Document).
import * as Plot from '@observablehq/plot';

export interface SweepPoint {
  x: number;
  series: string;
  value: number;
}

export function sweepFigure(points: SweepPoint[], xLabel: string, yLabel: string, document: Document): SVGSVGElement {
  return Plot.plot({
    document,
    width: 560,
    height: 360,
    marginLeft: 64,
    marginRight: 90,
    inset: 12,
    grid: true,
    style: { background: 'white' },
    color: { type: 'categorical' },
    x: { label: xLabel },
    y: { label: yLabel },
    marks: [
      Plot.dot(points, { x: 'x', y: 'value', stroke: 'series', r: 3 }),
      Plot.line(points, Plot.groupX({ y: 'mean' }, { x: 'x', y: 'value', stroke: 'series' })),
      Plot.text(
        points,
        Plot.selectLast(
          Plot.groupX({ y: 'mean', text: 'first' }, { x: 'x', y: 'value', z: 'series', text: 'series', fill: 'series', dx: 6, textAnchor: 'start' }),
        ),
      ),
    ],
  }) as SVGSVGElement;
}
