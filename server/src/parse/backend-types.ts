/**
 * What the parse backends hand to the extractor: the parts of tree-sitter's nodes and cursors it
 * reads (the `tree-sitter` and `web-tree-sitter` objects fit as they are; `flat.ts` implements them
 * over the addon's arrays), and the addon's path-context kernel. They live apart from `backend.ts`
 * so that `flat.ts`, `flatten.ts` and `paths.ts` can use them without importing the backend.
 */

/** The parts of a syntax node the extractor reads (native and web-tree-sitter nodes both fit). */
export interface TsNode {
  readonly type: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly hasError: boolean;
  readonly text: string;
  readonly parent: TsNode | null;
  readonly previousNamedSibling: TsNode | null;
}

/** The parts of a tree cursor the extractor reads. */
export interface TsCursor {
  readonly nodeTypeId: number;
  readonly nodeType: string;
  readonly nodeIsNamed: boolean;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly currentFieldName: string | null;
  /** Field id of the current node (0 or undefined when it has none): cheaper than the name, a number. */
  readonly currentFieldId: number | undefined;
  /** The node the cursor is on (a node object: costs more than the other reads). */
  readonly currentNode: TsNode;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
}

export interface TsCapture {
  readonly name: string;
  readonly node: TsNode;
}

export interface TsMatch {
  readonly captures: readonly TsCapture[];
}

/**
 * The flat addon's path-context functions (`native/paths.c`, whose comments give the contract),
 * handed over by the backend that loaded the addon.
 */
export interface PathKernel<Table = unknown> {
  createPathTable(): Table;
  pathContexts(
    table: Table,
    npar: Int32Array,
    nidx: Int32Array,
    label: Int32Array,
    terms: Int32Array,
    termTok: Int32Array,
    params: Int32Array,
    out: Int32Array,
    fresh: Int32Array,
  ): number;
}
