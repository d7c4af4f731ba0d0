// The report's sections 4 to 6, on nonlinear networks: real digits, the linear probe by layer, and separability and
// P-vectors during training (paper-sections.ts has the first three and the order).
import { judge, type ReportSection } from './paper';
import { byLayer, CRITERIA, item, perLayerTable, settingsLine, type RunRecord, type SectionInputs } from './paper-runs';

function largestStepRatio(run: RunRecord): number | null {
  const hidden = run.metrics.layers.filter((entry) => entry.layer >= 1);
  if (hidden.length < 2) return null;
  return Math.max(...hidden.slice(1).map((entry, index) => entry.C / hidden[index].C));
}

export function imagesSection({ images, commands }: SectionInputs): ReportSection {
  const runs = images.flatMap((dataset) => dataset.runs);
  return {
    id: 'nonlinear',
    title: 'Nonlinear networks on real images',
    claim:
      'The linear theory approximately carries over to nonlinear networks on real data: in MLPs and hybrid networks (nonlinear layers, then linear ones) C_l still falls layer by layer, roughly geometrically.',
    configuration: [...images.map((dataset) => `${dataset.source}: ${settingsLine(dataset.runs[0])}`), ...commands.images],
    figures: images.map((dataset) =>
      byLayer(
        dataset.runs,
        `C_l by layer, ${dataset.source} (a dot per seed)`,
        'C_l',
        true,
        (run) => run.metrics.layers.map((entry) => entry.C),
        (run) => run.settings.model,
      ),
    ),
    tables: [
      {
        title: 'Per run',
        columns: ['run', 'final loss', 'log10 C slope', 'R^2', 'rho', 'largest C_{l+1}/C_l', 'NC1 last', 'NC2 ETF last', 'CDNV last', 'NC3', 'NC4'],
        rows: runs.map((run) => {
          const last = run.metrics.layers.at(-1);
          return [
            item(run),
            run.metrics.final_loss,
            run.metrics.fit.log10C_slope,
            run.metrics.fit.log10C_r2,
            run.metrics.fit.compression_ratio,
            largestStepRatio(run),
            last?.NC1 ?? null,
            last?.nc2_etf_distance ?? null,
            last?.cdnv ?? null,
            run.metrics.nc3,
            run.metrics.nc4,
          ];
        }),
      },
      ...images.flatMap((dataset) =>
        ['mlp', 'hybrid'].map((model) =>
          perLayerTable(
            dataset.runs.filter((run) => run.settings.model === model),
            `${model} on ${dataset.source}, by layer over seeds`,
          ),
        ),
      ),
    ],
    verdicts: [
      judge(
        CRITERIA.imagesDecreasing,
        runs.map((run) => ({ item: item(run), value: largestStepRatio(run) })),
      ),
      judge(
        CRITERIA.imagesGeometric,
        runs.map((run) => ({ item: item(run), value: run.metrics.fit.log10C_r2 })),
      ),
    ],
    notes: [
      'The linear network is held to R^2 >= 0.99 (section 1); here "approximately" is R^2 >= 0.9.',
      'FashionMNIST and CIFAR-10 are included when their files are given (--idx-images/--idx-labels, --cifar).',
    ],
  };
}

export function probeSection({ images, commands }: SectionInputs): ReportSection {
  const runs = images.flatMap((dataset) => dataset.runs);
  const accuracies = (run: RunRecord) => (run.metrics.probe ?? []).map((entry) => entry.test_accuracy);
  const earlierMinusLast = (run: RunRecord): number | null => {
    const test = accuracies(run);
    return test.length < 3 ? null : Math.max(...test.slice(1, -1)) - test.at(-1)!;
  };
  const depth = Math.max(...runs.map((run) => accuracies(run).length));
  return {
    id: 'transfer',
    title: 'Transfer: a linear probe on every layer',
    claim: "Features a few layers before the last transfer better than the last layer's: a linear probe on them reaches a higher test accuracy.",
    configuration: [
      `A linear classifier (softmax cross-entropy, full-batch SGD with momentum; engine/metrics/probe.ts) on each layer's frozen features of the training split, tested on every ${Math.round(1 / runs[0].metrics.config.testFraction)}-th sample of each class, which the network never trained on.`,
      ...commands.images,
    ],
    figures: images.map((dataset) =>
      byLayer(dataset.runs, `Probe test accuracy by layer, ${dataset.source}`, 'test accuracy', false, accuracies, (run) => run.settings.model),
    ),
    tables: [
      {
        title: 'Probe test accuracy by layer (layer 0 is the input)',
        columns: ['run', ...Array.from({ length: depth }, (_, layer) => `layer ${layer}`), 'best layer'],
        rows: runs.map((run) => {
          const test = accuracies(run);
          return [item(run), ...Array.from({ length: depth }, (_, layer) => test[layer] ?? null), test.indexOf(Math.max(...test))];
        }),
      },
    ],
    verdicts: [
      judge(
        CRITERIA.probeEarlier,
        runs.map((run) => ({ item: item(run), value: earlierMinusLast(run) })),
      ),
    ],
    notes: [
      'The paper probes on another dataset than the one trained on; this probe is tested on held-out samples of the same classes, so it measures how well each layer generalises rather than transfer across tasks.',
      'With few test samples, accuracies move in steps of one sample, and ties between layers are common; a tie does not count as better.',
    ],
  };
}

export function trackingSection({ tracking: runs, commands }: SectionInputs): ReportSection {
  /** Separability by layer at each checkpoint, and at the end. */
  const separability = (run: RunRecord) => [
    ...run.metrics.history.map((entry) => ({ step: entry.step, values: entry.separability ?? [] })),
    { step: run.metrics.steps, values: run.metrics.separability ?? [] },
  ];
  const lastHidden = (run: RunRecord) => run.metrics.layers.length - 1;
  const angles = (run: RunRecord) => run.metrics.pvector_angles ?? [];
  return {
    id: 'separability',
    title: 'Separability and P-vector convergence during training',
    claim:
      "Hidden layers' linear separability (MD-LSM) rises as the training loss falls, and each layer's principal feature direction (its P-vector) converges: its angle to the final one falls towards 0.",
    configuration: [settingsLine(runs[0]), commands.tracking],
    figures: [
      {
        title: `Separability of each layer during training, ${runs[0].name}`,
        x: 'step',
        y: 'mean MD-LSM separability',
        yLog: false,
        points: separability(runs[0]).flatMap(({ step, values }) => values.map((value, layer) => ({ x: step, y: value, series: `layer ${layer}` }))),
      },
      {
        title: `Angle of each layer's P-vector to the final one, ${runs[0].name}`,
        x: 'step',
        y: 'degrees',
        yLog: false,
        points: angles(runs[0]).flatMap(({ step, angles: byLayer }) => byLayer.map((angle, layer) => ({ x: step, y: angle, series: `layer ${layer}` }))),
      },
      {
        title: `Training loss, ${runs[0].name}`,
        x: 'step',
        y: 'loss',
        yLog: true,
        points: runs[0].metrics.loss.map(([step, loss]) => ({ x: step, y: loss, series: 'loss' })),
      },
    ],
    tables: [
      {
        title: 'Separability by layer at each checkpoint',
        columns: ['run', 'step', ...Array.from({ length: runs[0].metrics.layers.length }, (_, layer) => `layer ${layer}`)],
        rows: runs.flatMap((run) => separability(run).map(({ step, values }) => [run.name, step, ...values])),
      },
      {
        title: 'P-vector angle to the final one (degrees) by layer',
        columns: ['run', 'step', ...Array.from({ length: runs[0].metrics.layers.length }, (_, layer) => `layer ${layer}`)],
        rows: runs.flatMap((run) => angles(run).map(({ step, angles: byLayer }) => [run.name, step, ...byLayer])),
      },
    ],
    verdicts: [
      judge(
        CRITERIA.separabilityReached,
        runs.map((run) => ({ item: item(run), value: run.metrics.separability?.[lastHidden(run)] ?? null })),
      ),
      judge(
        CRITERIA.separabilityRises,
        runs.map((run) => {
          const first = run.metrics.history[0]?.separability?.[lastHidden(run)];
          const last = run.metrics.separability?.[lastHidden(run)];
          return { item: item(run), value: first === undefined || last === undefined ? null : last - first };
        }),
      ),
      judge(
        CRITERIA.pvectorConverges,
        runs.flatMap((run) => {
          const last = angles(run).at(-1);
          return Array.from({ length: lastHidden(run) }, (_, index) => ({ item: item(run, index + 1), value: last?.angles[index + 1] ?? null }));
        }),
      ),
    ],
    notes: ['Layer 0 is the input, whose P-vector never moves; the P-vector verdict is over hidden layers 1..L-1.'],
  };
}
