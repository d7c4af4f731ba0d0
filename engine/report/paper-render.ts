// The reproduction report (paper.ts) as HTML: the Node command writes it as one self-contained page
// (report.html), the demo site renders a report.json with the same code. Browser-safe: the caller passes the
// Document (the page's, or jsdom's in Node). Text goes in through textContent, never as markup.
import * as Plot from '@observablehq/plot';
import { formatNumber, type PaperReport, type ReportFigure, type ReportSection, type ReportTable, type Verdict } from './paper';

/** A figure: a dot per point, a line through each series' mean at each x, the series named at its last point. */
export function reportFigure(figure: ReportFigure, document: Document): SVGSVGElement {
  const drawn = figure.points.filter((point) => Number.isFinite(point.y) && (!figure.yLog || point.y > 0));
  const hidden = figure.points.length - drawn.length;
  const xs = [...new Set(drawn.map((point) => point.x))].sort((a, b) => a - b);
  const integerX = xs.every(Number.isInteger) && xs.length <= 12;
  return Plot.plot({
    document,
    width: 560,
    height: 340,
    marginLeft: 64,
    marginRight: 110,
    marginBottom: 44,
    inset: 12,
    grid: true,
    style: { background: 'white' },
    color: { type: 'categorical' },
    x: { label: figure.x, ...(integerX ? { ticks: xs, tickFormat: 'd' } : {}) },
    y: { label: figure.y, ...(figure.yLog ? { type: 'log' } : {}) },
    marks: [
      Plot.dot(drawn, { x: 'x', y: 'y', stroke: 'series', r: 3 }),
      Plot.line(drawn, Plot.groupX({ y: 'mean' }, { x: 'x', y: 'y', z: 'series', stroke: 'series' })),
      Plot.text(
        drawn,
        Plot.selectLast(Plot.groupX({ y: 'mean', text: 'first' }, { x: 'x', y: 'y', z: 'series', text: 'series', fill: 'series', dx: 6, textAnchor: 'start' })),
      ),
      Plot.text(hidden > 0 ? [`${hidden} value(s) ${figure.yLog ? '<= 0 or ' : ''}not finite not drawn`] : [], {
        frameAnchor: 'top-right',
        dx: -8,
        dy: 8,
        fontSize: 11,
      }),
    ],
  }) as SVGSVGElement;
}

/** The report's style, every rule under .paper-report so a page can hold it beside its own; inline in report.html. */
export const REPORT_CSS = `
.paper-report { font: 15px/1.5 system-ui, sans-serif; color: #1d1d1f; max-width: 1180px; margin: 0 auto; padding: 1.5rem; }
.paper-report h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
.paper-report h2 { font-size: 1.25rem; margin-top: 2.4rem; border-top: 1px solid #ddd; padding-top: 1rem; }
.paper-report h3 { font-size: 1rem; margin: 1rem 0 0.3rem; }
.paper-report .claim { font-style: italic; }
.paper-report td.holds { color: #116611; font-weight: 600; }
.paper-report td.fails { color: #aa1111; font-weight: 600; }
.paper-report table { border-collapse: collapse; margin: 0.4rem 0 1rem; font-size: 13px; background: white; }
.paper-report th, .paper-report td { border: 1px solid #ddd; padding: 2px 8px; text-align: right; vertical-align: top; }
.paper-report th { background: #f4f4f6; }
.paper-report td:first-child, .paper-report th:first-child, .paper-report .verdicts td { text-align: left; }
.paper-report .figures { display: flex; flex-wrap: wrap; gap: 12px; }
.paper-report figure { margin: 0; }
.paper-report figcaption { font-size: 13px; font-weight: 600; max-width: 560px; }
.paper-report pre { background: #f4f4f6; padding: 0.5rem; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }
`;

function element<K extends keyof HTMLElementTagNameMap>(document: Document, tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function tableElement(table: ReportTable, document: Document): HTMLElement {
  const wrapper = element(document, 'div');
  wrapper.append(element(document, 'h3', table.title));
  const node = element(document, 'table');
  const head = element(document, 'tr');
  head.append(...table.columns.map((column) => element(document, 'th', column)));
  node.append(head, ...table.rows.map((row) => rowElement(row.map(formatNumber), document)));
  wrapper.append(node);
  return wrapper;
}

function rowElement(cells: string[], document: Document): HTMLTableRowElement {
  const row = element(document, 'tr');
  row.append(...cells.map((cell) => element(document, 'td', cell)));
  return row;
}

/** The verdicts: outcome, criterion and what was measured. */
export function verdictTable(verdicts: readonly Verdict[], document: Document, sectionTitles?: Map<Verdict, string>): HTMLTableElement {
  const node = element(document, 'table', undefined, 'verdicts');
  const head = element(document, 'tr');
  head.append(...[...(sectionTitles ? ['section'] : []), 'verdict', 'criterion', 'measured'].map((column) => element(document, 'th', column)));
  node.append(head);
  for (const verdict of verdicts) {
    const row = element(document, 'tr');
    if (sectionTitles) row.append(element(document, 'td', sectionTitles.get(verdict) ?? ''));
    row.append(element(document, 'td', verdict.holds ? 'holds' : 'does not hold', verdict.holds ? 'holds' : 'fails'));
    row.append(element(document, 'td', verdict.criterion));
    const values = verdict.values.map(({ item, value }) => `${item}: ${formatNumber(value)}`).join('; ');
    row.append(element(document, 'td', `${verdict.passed} of ${verdict.values.length} meet it (${verdict.required} needed). ${values}`));
    node.append(row);
  }
  return node;
}

function sectionElement(section: ReportSection, number: number, document: Document): HTMLElement {
  const node = element(document, 'section');
  node.id = section.id;
  node.append(element(document, 'h2', `${number}. ${section.title}`));
  node.append(element(document, 'p', `Claim: ${section.claim}`, 'claim'));
  node.append(element(document, 'h3', 'Verdicts'), verdictTable(section.verdicts, document));
  node.append(element(document, 'h3', 'Configuration'), element(document, 'pre', section.configuration.join('\n')));
  const figures = element(document, 'div', undefined, 'figures');
  for (const figure of section.figures) {
    const box = element(document, 'figure');
    box.append(element(document, 'figcaption', figure.title), reportFigure(figure, document));
    figures.append(box);
  }
  node.append(figures, ...section.tables.map((table) => tableElement(table, document)));
  if (section.notes.length > 0) {
    const notes = element(document, 'ul');
    notes.append(...section.notes.map((note) => element(document, 'li', note)));
    node.append(element(document, 'h3', 'Notes'), notes);
  }
  return node;
}

/** The whole report: title, the table of every verdict, then each section. */
export function reportElement(report: PaperReport, document: Document): HTMLElement {
  const node = element(document, 'article', undefined, 'paper-report');
  node.append(element(document, 'h1', report.title));
  node.append(
    element(
      document,
      'p',
      `${report.paper}. Scale ${report.scale}: ${report.runs} runs, ${report.run_seconds.toFixed(0)} s of training and measuring; report made ${report.created}.`,
    ),
  );
  const titles = new Map(report.sections.flatMap((section, index) => section.verdicts.map((verdict) => [verdict, `${index + 1}. ${section.title}`] as const)));
  node.append(element(document, 'h2', 'Verdicts'), verdictTable([...titles.keys()], document, titles));
  node.append(...report.sections.map((section, index) => sectionElement(section, index + 1, document)));
  return node;
}
