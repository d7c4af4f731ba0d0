// The paper's reproduction report (report.json): sections, each with the claim, the configuration, tables,
// figures as data (drawn by paper-render.ts in the browser or in Node), and verdicts. A verdict is computed by
// judge() from its criterion and the values it names, and the criterion's text is written from the same fields,
// so what is said and what is checked cannot drift apart. Browser-safe.

export type Comparison = '>=' | '<=' | '<' | '>';

/** A criterion: `quantity` compared with `threshold` must hold on at least `share` of the items (1: every one). */
export interface Criterion {
  /** A stable name, e.g. 'reference-geometric'. */
  id: string;
  /** What is compared, in words, e.g. 'R^2 of the least-squares fit of log10 C_l against l'. */
  quantity: string;
  comparison: Comparison;
  threshold: number;
  share: number;
  /** What the items are, plural, e.g. 'seeds'. */
  items: string;
}

export interface Verdict extends Criterion {
  /** The criterion in words, from the fields above (criterionText). */
  criterion: string;
  /** Each item's value; null where the run has no such value (counted as not meeting the criterion). */
  values: { item: string; value: number | null }[];
  /** How many values meet the comparison. */
  passed: number;
  /** ceil(share * values.length). */
  required: number;
  /** passed >= required, and there is at least one value. */
  holds: boolean;
  /** The outcome in one sentence. */
  summary: string;
}

export interface ReportTable {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** A figure as data: a dot per point and a line through the mean of each series at each x (so seeds show as spread). */
export interface ReportFigure {
  title: string;
  x: string;
  y: string;
  /** A log y axis (values <= 0 are then not drawn, and the renderer says how many). */
  yLog: boolean;
  points: { x: number; y: number; series: string }[];
}

export interface ReportSection {
  id: string;
  title: string;
  /** The paper's claim, one sentence. */
  claim: string;
  /** What ran: settings, and the command that reruns this section's experiment alone. */
  configuration: string[];
  tables: ReportTable[];
  figures: ReportFigure[];
  verdicts: Verdict[];
  /** What a reader needs to read the verdicts right (what is and is not measured). */
  notes: string[];
}

export interface PaperReport {
  title: string;
  /** The source paper. */
  paper: string;
  scale: string;
  created: string;
  /** Runs trained and their wall-clock seconds summed (training and measuring, without the process's start). */
  runs: number;
  run_seconds: number;
  sections: ReportSection[];
}

/** Whether `value` meets the comparison (a null value never does). */
export function meets(value: number | null, comparison: Comparison, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  switch (comparison) {
    case '>=':
      return value >= threshold;
    case '<=':
      return value <= threshold;
    case '<':
      return value < threshold;
    case '>':
      return value > threshold;
    default:
      return comparison satisfies never;
  }
}

const over = (criterion: Criterion, count: number) =>
  criterion.share >= 1 ? `every one of the ${count} ${criterion.items}` : `at least ${Math.round(criterion.share * 100)}% of the ${count} ${criterion.items}`;

export const criterionText = (criterion: Criterion, count: number): string =>
  `holds when ${criterion.quantity} ${criterion.comparison} ${criterion.threshold} on ${over(criterion, count)}`;

/** The verdict of `criterion` on `values`. */
export function judge(criterion: Criterion, values: { item: string; value: number | null }[]): Verdict {
  const passed = values.filter(({ value }) => meets(value, criterion.comparison, criterion.threshold)).length;
  const required = Math.ceil(criterion.share * values.length);
  const holds = values.length > 0 && passed >= required;
  const outcome = values.length === 0 ? 'no values: does not hold' : holds ? 'holds' : 'does not hold';
  return {
    ...criterion,
    criterion: criterionText(criterion, values.length),
    values,
    passed,
    required,
    holds,
    summary: `${criterion.quantity} ${criterion.comparison} ${criterion.threshold} on ${passed} of ${values.length} ${criterion.items}: ${outcome}`,
  };
}

/** A number for a table or a sentence: 6 significant digits (R^2 near 1 needs them), exponent form when tiny or huge; 'n/a' for null. */
export function formatNumber(value: number | string | null): string {
  if (value === null) return 'n/a';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return String(value);
  if (value === 0 || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e-3 && Math.abs(value) < 1e5 ? String(Number(value.toPrecision(6))) : value.toExponential(3);
}
