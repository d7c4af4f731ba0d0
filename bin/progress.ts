// A progress line on stderr for long runs: redrawn in place on a terminal, a line every few seconds otherwise
// (CI logs), so stdout keeps only the results.
export class Progress {
  private lastLine = -Infinity;
  private readonly started = performance.now();
  private readonly interactive = Boolean(process.stderr.isTTY);
  private last?: { step: number; loss: number; stepsPerSecond: number; printed: boolean };

  constructor(private readonly total: number) {}

  /** Reports `step` of the budget with the loss just read and the recent speed. */
  update(step: number, loss: number, stepsPerSecond: number): void {
    const now = performance.now();
    this.last = { step, loss, stepsPerSecond, printed: false };
    if (!this.interactive && now - this.lastLine < 5000 && step < this.total) return;
    this.last.printed = true;
    this.lastLine = now;
    const fraction = this.total > 0 ? Math.min(step / this.total, 1) : 1;
    const width = 30;
    const filled = Math.round(fraction * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const speed = step > 0 ? `${stepsPerSecond.toFixed(0)} steps/s` : '';
    const elapsed = `${((now - this.started) / 1000).toFixed(1)} s`;
    const line = `${bar} step ${step}/${this.total}  loss ${loss.toExponential(3)}  ${speed}  ${elapsed}`;
    process.stderr.write(this.interactive ? `\r${line}\x1b[K` : `${line}\n`);
  }

  /** Shows where the run ended and ends the redrawn line so later output starts on its own. */
  done(): void {
    if (this.last && !this.last.printed) {
      this.lastLine = -Infinity;
      this.update(this.last.step, this.last.loss, this.last.stepsPerSecond);
    }
    if (this.interactive) process.stderr.write('\n');
  }
}
