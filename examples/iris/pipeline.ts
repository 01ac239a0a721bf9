// The main example: train a CART decision tree (ml-cart) on the bundled Fisher Iris CSV and
// report its accuracy on a held-out, stratified test set. Run from the repository root:
//
//   npm run example
//   node runtime/bin/pipewright.js run examples/iris/pipeline.ts --param maxDepth=2
//   node runtime/bin/pipewright.js run examples/iris/pipeline.ts --config examples/iris/run.yaml
//
// The DAG: loadRows feeds profile (a data-quality gate) and split; fit trains on split's `train`
// output and waits for profile through an order-only `after` edge; evaluate scores the model on
// split's `test` output; report turns profile, model and evaluation into text.
import * as fs from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { getStepContext, pipeline, step } from 'pipewright';
import { FEATURES, isSpecies, SPECIES, TreeModel, type Feature, type IrisRow, type Species } from './model';

export { TreeModel, treeModelMaterializer, FEATURES, SPECIES } from './model';
export type { IrisRow, Species, Feature, TreeModelJson } from './model';

/**
 * The bundled data, relative to the folder the run starts in (the repository root for
 * `npm run example`). Steps run from a bundle in the store, so `__dirname` would not point here.
 */
export const DEFAULT_DATA = 'examples/iris/data/iris.csv';
export const CSV_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
/** Seed of the train/test shuffle; override it per run with `steps.split.parameters.seed`. */
export const DEFAULT_SEED = 1;
/** The data-quality gate refuses to train on fewer rows than this per species. */
export const MIN_ROWS_PER_SPECIES = 10;

const CSV_COLUMNS: readonly Feature[] = FEATURES;
const COLUMN_NAMES = CSV_HEADER.split(',');

/** Parses the Iris CSV; every problem names its 1-based line number. */
export function parseIrisCsv(text: string): { rows: IrisRow[]; problems: string[] } {
  const lines = text.split(/\r?\n/);
  const problems: string[] = [];
  const rows: IrisRow[] = [];
  const header = (lines[0] ?? '').replace(/^\uFEFF/, '').trim();
  if (header !== CSV_HEADER) problems.push(`line 1: expected the header "${CSV_HEADER}", found "${header}"`);
  lines.slice(1).forEach((line, index) => {
    const lineNo = index + 2;
    if (line.trim() === '') return;
    const fields = line.split(',').map((field) => field.trim());
    if (fields.length !== COLUMN_NAMES.length) {
      problems.push(`line ${lineNo}: expected ${COLUMN_NAMES.length} comma-separated fields, found ${fields.length}`);
      return;
    }
    const values: number[] = [];
    let ok = true;
    CSV_COLUMNS.forEach((_feature, column) => {
      const field = fields[column];
      const value = Number(field);
      if (field === '' || !Number.isFinite(value)) {
        problems.push(`line ${lineNo}: ${COLUMN_NAMES[column]} "${field}" is not a number`);
        ok = false;
      } else if (value <= 0) {
        problems.push(`line ${lineNo}: ${COLUMN_NAMES[column]} must be positive (centimetres), found ${value}`);
        ok = false;
      }
      values.push(value);
    });
    const species = fields[4];
    if (!isSpecies(species)) {
      problems.push(`line ${lineNo}: unknown species "${species}" (expected ${SPECIES.join(', ')})`);
      ok = false;
    }
    if (ok && isSpecies(species)) {
      rows.push({ sepalLength: values[0], sepalWidth: values[1], petalLength: values[2], petalWidth: values[3], species });
    }
  });
  if (problems.length === 0 && rows.length === 0) problems.push('line 2: the file has a header but no data rows');
  return { rows, problems };
}

/** Reads and validates the CSV. */
export const loadRows = step(async function loadRows(path: string): Promise<IrisRow[]> {
  const file = resolvePath(path);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`${file}: cannot read the data (${reason}); a relative path is resolved against ${process.cwd()}`);
  }
  const { rows, problems } = parseIrisCsv(text);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).map((problem) => `\n  ${file}: ${problem}`).join('');
    const more = problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : '';
    throw new Error(`${file}: ${problems.length} problem(s) in the data:${shown}${more}`);
  }
  console.log(`loaded ${rows.length} rows from ${file}`);
  return rows;
});

export interface FeatureRange {
  min: number;
  max: number;
  mean: number;
}

export interface DataProfile {
  rows: number;
  perSpecies: Record<Species, number>;
  features: Record<Feature, FeatureRange>;
}

/** Describes the data and acts as a quality gate: too few rows of a species fails the run. */
export const profile = step(function profile(rows: IrisRow[], minPerSpecies: number): DataProfile {
  const perSpecies = Object.fromEntries(SPECIES.map((species) => [species, rows.filter((row) => row.species === species).length])) as Record<Species, number>;
  const scarce = SPECIES.filter((species) => perSpecies[species] < minPerSpecies);
  if (scarce.length > 0) {
    throw new Error(`data-quality gate: fewer than ${minPerSpecies} rows of ${scarce.map((s) => `${s} (${perSpecies[s]})`).join(', ')}`);
  }
  const features = Object.fromEntries(
    FEATURES.map((feature) => {
      const values = rows.map((row) => row[feature]);
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      return [feature, { min: Math.min(...values), max: Math.max(...values), mean: Number(mean.toFixed(3)) }];
    }),
  ) as Record<Feature, FeatureRange>;
  console.log(`profile: ${rows.length} rows, ${SPECIES.map((s) => `${perSpecies[s]} ${s}`).join(', ')}`);
  return { rows: rows.length, perSpecies, features };
});

/** A small seeded generator (xorshift32): the same seed gives the same split on every machine. */
function seededRandom(seed: number): () => number {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x1_0000_0000;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/** Stratified split: each species keeps its share in both sets; deterministic for a seed. */
export const split = step(
  { outputs: ['train', 'test'] },
  function split(rows: IrisRow[], testFraction: number, seed: number): { train: IrisRow[]; test: IrisRow[] } {
    if (!(testFraction > 0 && testFraction < 1)) throw new Error(`testFraction must be between 0 and 1 (exclusive), got ${testFraction}`);
    const random = seededRandom(seed);
    const train: IrisRow[] = [];
    const test: IrisRow[] = [];
    for (const species of SPECIES) {
      const group = shuffled(rows.filter((row) => row.species === species), random);
      if (group.length === 0) continue;
      const testCount = Math.round(group.length * testFraction);
      if (testCount === 0 || testCount === group.length) {
        throw new Error(`testFraction ${testFraction} leaves no ${species} rows in the ${testCount === 0 ? 'test' : 'training'} set (${group.length} rows)`);
      }
      test.push(...group.slice(0, testCount));
      train.push(...group.slice(testCount));
    }
    console.log(`split ${rows.length} rows into ${train.length} train / ${test.length} test (seed ${seed})`);
    return { train, test };
  },
);

/**
 * Trains the tree. Training is where transient failures (a preempted worker, memory pressure)
 * happen in real projects, so it retries: after 1 s, then 2 s.
 */
export const fit = step({ retry: { maxRetries: 2, delay: 1, backoff: 2 } }, function fit(train: IrisRow[], maxDepth: number): TreeModel {
  console.log(`training a decision tree (max depth ${maxDepth}) on ${train.length} rows, attempt ${getStepContext().attempt}`);
  const model = TreeModel.train(train, maxDepth);
  const predicted = model.predict(train);
  const correct = predicted.filter((species, i) => species === train[i].species).length;
  console.log(`the tree has ${model.rules().length} leaves; training accuracy ${((100 * correct) / train.length).toFixed(1)}%`);
  return model;
});

export interface Evaluation {
  /** Share of test rows predicted right, 0..1. */
  accuracy: number;
  correct: number;
  total: number;
  /** Row and column labels of `confusion`. */
  classes: Species[];
  /** `confusion[actual][predicted]`: counts of test rows, indexed like `classes`. */
  confusion: number[][];
}

/** Accuracy and confusion matrix on the held-out rows. */
export const evaluate = step(function evaluate(model: TreeModel, test: IrisRow[]): Evaluation {
  const classes = [...SPECIES];
  const confusion = classes.map(() => classes.map(() => 0));
  const predicted = model.predict(test);
  let correct = 0;
  test.forEach((row, i) => {
    confusion[classes.indexOf(row.species)][classes.indexOf(predicted[i])] += 1;
    if (predicted[i] === row.species) correct += 1;
  });
  const accuracy = test.length === 0 ? 0 : correct / test.length;
  console.log(`accuracy on ${test.length} held-out rows: ${(accuracy * 100).toFixed(1)}%`);
  return { accuracy, correct, total: test.length, classes, confusion };
});

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ')).join('\n');
}

/** A human-readable report (stored as text: `pipewright artifacts get RUN report`). */
export const report = step(function report(data: DataProfile, model: TreeModel, evaluation: Evaluation): string {
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const lines = [
    `Iris decision tree (max depth ${model.maxDepth})`,
    `data: ${data.rows} rows (${SPECIES.map((s) => `${data.perSpecies[s]} ${s}`).join(', ')}); trained on ${model.trainedOn}, tested on ${evaluation.total}`,
    `accuracy: ${percent(evaluation.accuracy)} (${evaluation.correct}/${evaluation.total})`,
    '',
    'confusion matrix (rows: actual, columns: predicted)',
    table([['', ...evaluation.classes], ...evaluation.classes.map((actual, i) => [actual, ...evaluation.confusion[i].map(String)])]),
    '',
    'rules',
    ...model.rules().map((rule) => `  ${rule}`),
  ];
  const text = `${lines.join('\n')}\n`;
  console.log(text.trimEnd());
  return text;
});

export const training = pipeline(
  { executionMode: 'stopOnFailure', runName: 'iris-{date}-{time}' },
  function training(path: string = DEFAULT_DATA, maxDepth: number = 3, testFraction: number = 0.3) {
    // The body runs once, when the run is built: bad parameters fail before any step starts.
    if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new Error(`maxDepth must be a positive integer, got ${maxDepth}`);
    if (!(testFraction > 0 && testFraction < 1)) throw new Error(`testFraction must be between 0 and 1 (exclusive), got ${testFraction}`);
    const rows = loadRows(path);
    const dataProfile = profile(rows, MIN_ROWS_PER_SPECIES);
    const { train, test } = split(rows, testFraction, DEFAULT_SEED);
    // Training needs only `train`, but must not start before the data-quality gate passed:
    // an order-only edge. With stopOnFailure, a failed gate means fit never starts.
    const model = fit.with({ after: [dataProfile] })(train, maxDepth);
    const evaluation = evaluate(model, test);
    return { model, evaluation, report: report(dataProfile, model, evaluation) };
  },
);
