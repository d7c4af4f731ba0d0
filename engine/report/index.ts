// The figures of a run and of a sweep, drawn with Observable Plot into the Document the caller passes (the page's,
// or jsdom's in Node). Import it as layerwise-webgpu/report.
export { compressionFigure, discriminationFigure, lossFigure, compressionHistoryFigure, collapseFigure, runFigures, type FigureInputs } from './figures';
export { sweepFigure, type SweepPoint } from './sweep-figure';
