// The reproduction report (paper.ts) as Markdown: the same sections as report.html, the figures linked as
// .svg files beside it (Markdown has no inline SVG that every viewer shows).
import { formatNumber, type PaperReport, type ReportTable, type Verdict } from './paper';

/** Where a section's figure is written, relative to the report. */
export const figureFile = (sectionId: string, index: number) => `figures/${sectionId}-${index + 1}.svg`;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;

function table(columns: string[], rows: string[][]): string[] {
  return [row(columns), row(columns.map(() => '---')), ...rows.map(row)];
}

const verdictRows = (verdicts: readonly Verdict[]) =>
  verdicts.map((verdict) => [
    verdict.holds ? '**holds**' : '**does not hold**',
    verdict.criterion,
    `${verdict.passed} of ${verdict.values.length} (${verdict.required} needed): ${verdict.values.map(({ item, value }) => `${item} ${formatNumber(value)}`).join('; ')}`,
  ]);

const dataTable = (data: ReportTable) => [
  `**${data.title}**`,
  '',
  ...table(
    data.columns,
    data.rows.map((cells) => cells.map(formatNumber)),
  ),
  '',
];

export function reportMarkdown(report: PaperReport): string {
  const lines = [
    `# ${report.title}`,
    '',
    `${report.paper}. Scale ${report.scale}: ${report.runs} runs, ${report.run_seconds.toFixed(0)} s of training and measuring; report made ${report.created}.`,
    '',
    '## Verdicts',
    '',
    ...table(
      ['section', 'verdict', 'criterion', 'measured'],
      report.sections.flatMap((section, index) => verdictRows(section.verdicts).map((cells) => [`${index + 1}. ${section.title}`, ...cells])),
    ),
    '',
  ];
  report.sections.forEach((section, index) => {
    lines.push(`## ${index + 1}. ${section.title}`, '', `*Claim:* ${section.claim}`, '');
    lines.push('### Verdicts', '', ...table(['verdict', 'criterion', 'measured'], verdictRows(section.verdicts)), '');
    lines.push('### Configuration', '', '```', ...section.configuration, '```', '');
    section.figures.forEach((figure, figureIndex) => lines.push(`![${figure.title}](${figureFile(section.id, figureIndex)})`, ''));
    for (const data of section.tables) lines.push(...dataTable(data));
    if (section.notes.length > 0) lines.push('### Notes', '', ...section.notes.map((note) => `- ${note}`), '');
  });
  return `${lines.join('\n')}\n`;
}
