// The reproduction report: renders a report.json of `npm run paper` with the same code that writes report.html.
// It opens on the sample shipped with the site (a default-scale run); a reader can open their own. No GPU needed.
import { REPORT_CSS, reportElement, type PaperReport } from '../engine/report';

const source = document.getElementById('source')!;
const container = document.getElementById('report')!;
const style = document.createElement('style');
style.textContent = REPORT_CSS;
document.head.append(style);

/** Throws unless `value` has the fields the renderer reads. */
function checkReport(value: unknown, name: string): PaperReport {
  const report = value as PaperReport;
  if (typeof report !== 'object' || report === null || !Array.isArray(report.sections) || typeof report.title !== 'string') {
    throw new Error(`${name} is not a report.json of npm run paper (no title and sections)`);
  }
  return report;
}

function show(report: PaperReport, name: string): void {
  container.replaceChildren(reportElement(report, document));
  const verdicts = report.sections.flatMap((section) => section.verdicts);
  source.textContent = `Showing ${name}: scale ${report.scale}, made ${report.created}; ${verdicts.filter((verdict) => verdict.holds).length} of ${verdicts.length} verdicts hold.`;
  Object.assign(window, { demo: { report } });
}

document.getElementById('open')!.addEventListener('change', async (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (!file) return;
  try {
    show(checkReport(JSON.parse(await file.text()), file.name), file.name);
  } catch (error) {
    source.textContent = `Could not show ${file.name}: ${(error as Error).message}`;
  }
});

/** The sample, an asset of the build (Vite copies the file the URL names). */
async function showSample(): Promise<void> {
  const name = 'the sample report (npm run paper at the default scale, shipped with the site)';
  try {
    const response = await fetch(new URL('./sample-report.json', import.meta.url));
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    show(checkReport(await response.json(), 'sample-report.json'), name);
  } catch (error) {
    source.textContent = `Could not load the sample report: ${(error as Error).message}`;
  }
}

void showSample();
