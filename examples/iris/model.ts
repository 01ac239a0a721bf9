// The Iris data types and the decision-tree model of the Iris example, with the custom
// materializer that stores a trained model as plain JSON (see pipeline.ts for the pipeline).
import { DecisionTreeClassifier, type DecisionTreeClassifierJson, type SerializedTreeNode } from 'ml-cart';
import { registerMaterializer, type Materializer } from 'pipewright';

/** The four measurements, in the order the model reads them (centimetres). */
export const FEATURES = ['sepalLength', 'sepalWidth', 'petalLength', 'petalWidth'] as const;
export type Feature = (typeof FEATURES)[number];

export const SPECIES = ['setosa', 'versicolor', 'virginica'] as const;
export type Species = (typeof SPECIES)[number];

/** One flower of the data set. */
export interface IrisRow {
  sepalLength: number;
  sepalWidth: number;
  petalLength: number;
  petalWidth: number;
  species: Species;
}

/** The measurements of a flower, without its label. */
export type IrisMeasurements = Pick<IrisRow, Feature>;

/** The stored form of a {@link TreeModel}: plain JSON data, versioned. */
export interface TreeModelJson {
  format: 'pipewright-iris-tree';
  version: 1;
  /** Species the classifier's class numbers stand for, by class number. */
  classes: Species[];
  maxDepth: number;
  /** Number of rows the model was trained on. */
  trainedOn: number;
  tree: DecisionTreeClassifierJson;
}

export function isSpecies(value: unknown): value is Species {
  return typeof value === 'string' && (SPECIES as readonly string[]).includes(value);
}

function featureRow(row: IrisMeasurements): number[] {
  return FEATURES.map((feature) => row[feature]);
}

/** A trained CART decision tree (ml-cart) that predicts the species of a flower. */
export class TreeModel {
  constructor(
    private readonly classifier: DecisionTreeClassifier,
    readonly classes: readonly Species[],
    readonly maxDepth: number,
    readonly trainedOn: number,
  ) {}

  /** Trains a tree of at most `maxDepth` levels on labelled rows. */
  static train(rows: readonly IrisRow[], maxDepth: number): TreeModel {
    if (rows.length === 0) throw new Error('cannot train on an empty data set');
    if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new Error(`maxDepth must be a positive integer, got ${maxDepth}`);
    const classes = SPECIES.filter((species) => rows.some((row) => row.species === species));
    const classifier = new DecisionTreeClassifier({ gainFunction: 'gini', maxDepth, minNumSamples: 3 });
    classifier.train(
      rows.map(featureRow),
      rows.map((row) => classes.indexOf(row.species)),
    );
    return new TreeModel(classifier, classes, maxDepth, rows.length);
  }

  /** The predicted species of each flower. */
  predict(rows: readonly IrisMeasurements[]): Species[] {
    if (rows.length === 0) return [];
    return this.classifier.predict(rows.map(featureRow)).map((index) => {
      const species = this.classes[index];
      if (species === undefined) throw new Error(`the tree predicted unknown class number ${index}`);
      return species;
    });
  }

  /** The tree as readable rules, one per leaf: "petalLength < 2.45 => setosa (100%)". */
  rules(): string[] {
    const lines: string[] = [];
    const walk = (node: SerializedTreeNode, conditions: string[]): void => {
      if (node.left && node.right && node.splitColumn !== undefined && node.splitValue !== undefined) {
        const feature = FEATURES[node.splitColumn];
        const value = Number(node.splitValue.toFixed(3));
        walk(node.left, [...conditions, `${feature} < ${value}`]);
        walk(node.right, [...conditions, `${feature} >= ${value}`]);
        return;
      }
      const probabilities = node.distribution?.[0] ?? [];
      const best = probabilities.indexOf(Math.max(...probabilities));
      const share = Math.round((probabilities[best] ?? 0) * 100);
      lines.push(`${conditions.join(' and ') || 'always'} => ${this.classes[best] ?? '?'} (${share}%)`);
    };
    walk(this.toJSON().tree.root, []);
    return lines;
  }

  /** Plain JSON data: the library's own `toJSON()` output plus what the wrapper adds. */
  toJSON(): TreeModelJson {
    // A JSON round trip turns the library's node objects and matrices into plain data.
    const tree = JSON.parse(JSON.stringify(this.classifier.toJSON())) as DecisionTreeClassifierJson;
    return { format: 'pipewright-iris-tree', version: 1, classes: [...this.classes], maxDepth: this.maxDepth, trainedOn: this.trainedOn, tree };
  }

  /**
   * Rebuilds a model from {@link toJSON} data after checking its shape; only plain data is read
   * and the library's `DecisionTreeClassifier.load` rebuilds the tree (no code is evaluated).
   */
  static fromJSON(data: unknown): TreeModel {
    const fail = (problem: string): never => {
      throw new Error(`not a stored iris tree model: ${problem}`);
    };
    if (!isRecord(data) || data.format !== 'pipewright-iris-tree') return fail('missing format "pipewright-iris-tree"');
    if (data.version !== 1) return fail(`unsupported version ${JSON.stringify(data.version)}`);
    const { classes, maxDepth, trainedOn, tree } = data;
    if (!Array.isArray(classes) || classes.length === 0 || !classes.every(isSpecies)) return fail('classes must be a list of species');
    if (typeof maxDepth !== 'number' || typeof trainedOn !== 'number') return fail('maxDepth and trainedOn must be numbers');
    if (!isRecord(tree) || tree.name !== 'DTClassifier') return fail('tree is not a DTClassifier');
    if (!isRecord(tree.options) || tree.options.kind !== 'classifier') return fail('tree.options.kind must be "classifier"');
    checkNode(tree.root, classes.length, 'tree.root', fail);
    return new TreeModel(DecisionTreeClassifier.load(tree as unknown as DecisionTreeClassifierJson), classes, maxDepth, trainedOn);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkNode(node: unknown, classCount: number, where: string, fail: (problem: string) => never): void {
  if (!isRecord(node)) fail(`${where} is not an object`);
  const { distribution, splitColumn, splitValue, left, right } = node as Record<string, unknown>;
  if (distribution !== undefined) {
    const row = Array.isArray(distribution) && distribution.length === 1 ? (distribution[0] as unknown) : undefined;
    if (!Array.isArray(row) || row.length === 0 || row.length > classCount || !row.every((p) => typeof p === 'number' && Number.isFinite(p))) {
      fail(`${where}.distribution must be one row of at most ${classCount} probabilities`);
    }
    return;
  }
  if (typeof splitColumn !== 'number' || !Number.isInteger(splitColumn) || splitColumn < 0 || splitColumn >= FEATURES.length) {
    fail(`${where}.splitColumn must be a feature index below ${FEATURES.length}`);
  }
  if (typeof splitValue !== 'number' || !Number.isFinite(splitValue)) fail(`${where}.splitValue must be a finite number`);
  checkNode(left, classCount, `${where}.left`, fail);
  checkNode(right, classCount, `${where}.right`, fail);
}

/**
 * Stores a {@link TreeModel} as UTF-8 JSON. Registered for the class, so every step output that
 * is a TreeModel uses it; the name is part of each artifact's hash (bump it on a format change).
 */
export const treeModelMaterializer: Materializer<TreeModel> = {
  name: 'iris-tree-model@1',
  save: (model: TreeModel) => JSON.stringify(model.toJSON()),
  load: (data: Buffer) => TreeModel.fromJSON(JSON.parse(data.toString('utf8'))),
};

registerMaterializer(treeModelMaterializer, { type: TreeModel });
