// The figures of a run and of a sweep, drawn with Observable Plot into the Document the caller passes (the page's,
// or jsdom's in Node), and the reproduction report (npm run paper). Import it as layerwise-webgpu/report.
export { compressionFigure, discriminationFigure, lossFigure, compressionHistoryFigure, collapseFigure, runFigures, type FigureInputs } from './figures';
export { sweepFigure, type SweepPoint } from './sweep-figure';
export {
  judge,
  meets,
  criterionText,
  formatNumber,
  type PaperReport,
  type ReportSection,
  type ReportFigure,
  type ReportTable,
  type Verdict,
  type Criterion,
  type Comparison,
} from './paper';
export { reportElement, reportFigure, verdictTable, REPORT_CSS } from './paper-render';
export { reportMarkdown, figureFile } from './paper-markdown';
export { paperSections } from './paper-sections';
export { CRITERIA, type RunRecord, type SectionInputs } from './paper-runs';
export { minimumNorm, relativeImbalance, spectralGaps, type MinimumNorm } from './paper-assumptions';
