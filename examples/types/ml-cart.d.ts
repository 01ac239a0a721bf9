// Types for the parts of ml-cart (mljs decision trees) the examples use; the package ships none.
declare module 'ml-cart' {
  export interface DecisionTreeOptions {
    /** Only "gini" is supported. */
    gainFunction?: 'gini';
    /** Only "mean" is supported. */
    splitFunction?: 'mean';
    /** Smallest number of samples a node splits further (default 3). */
    minNumSamples?: number;
    /** Deepest level of the tree (default Infinity). */
    maxDepth?: number;
    /** Least gain a split must bring (default 0.01). */
    gainThreshold?: number;
  }

  /** One node of a serialized tree: a split (left/right) or a leaf (distribution). */
  export interface SerializedTreeNode {
    splitColumn?: number;
    splitValue?: number;
    gain?: number;
    left?: SerializedTreeNode;
    right?: SerializedTreeNode;
    /** Leaf only: one row of class probabilities, indexed by class number. */
    distribution?: number[][];
  }

  /** What `toJSON()` returns; plain data once passed through JSON.stringify. */
  export interface DecisionTreeClassifierJson {
    name: 'DTClassifier';
    options: DecisionTreeOptions & { kind: 'classifier' };
    root: SerializedTreeNode;
  }

  export class DecisionTreeClassifier {
    constructor(options?: DecisionTreeOptions);
    /** Rows of features, and one class number (0, 1, ...) per row. */
    train(trainingSet: number[][], trainingLabels: number[]): void;
    /** The predicted class number of each row. */
    predict(toPredict: number[][]): number[];
    toJSON(): DecisionTreeClassifierJson;
    /** Rebuilds a trained classifier from `toJSON()` data (plain data; no code is evaluated). */
    static load(model: DecisionTreeClassifierJson): DecisionTreeClassifier;
  }
}
