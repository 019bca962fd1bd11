import { ProtoReader, WireType } from './proto-reader';

/** Facts about an ONNX file that onnxruntime's session does not expose. */
export interface OnnxGraphInfo {
  producer?: string;
  producerVersion?: string;
  irVersion?: number;
  /** Operator set version per domain; the default domain is named `ai.onnx`. */
  opsets?: Record<string, number>;
  /** The model's `metadata_props`, when it has any. */
  metadata?: Record<string, string>;
  /** Class labels stored on the graph's classifier operator (LinearClassifier, TreeEnsembleClassifier, …). */
  classes?: Array<number | string>;
}

// Field numbers from onnx.proto.
const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
};
const OPSET = { domain: 1, version: 2 };
const ENTRY = { key: 1, value: 2 };
const GRAPH = { node: 1 };
const NODE = { opType: 4, attribute: 5, domain: 7 };
const ATTRIBUTE = { name: 1, ints: 8, strings: 9 };

const CLASS_LABEL_ATTRIBUTES = new Set(['classlabels_ints', 'classlabels_int64s', 'classlabels_strings']);

/**
 * Reads the model's header and its classifier's labels. Best effort: onnxruntime has already accepted
 * the file, so a part this reader does not understand is left out rather than failing the upload.
 */
export function readOnnxGraphInfo(artifact: Uint8Array): OnnxGraphInfo {
  const info: OnnxGraphInfo = {};
  try {
    const model = new ProtoReader(artifact);
    const labelSets: Array<Array<number | string>> = [];
    while (model.hasMore()) {
      const { field, wireType } = model.tag();
      if (field === MODEL.irVersion && wireType === WireType.Varint) info.irVersion = model.varint();
      else if (field === MODEL.producerName && wireType === WireType.LengthDelimited)
        info.producer = model.string();
      else if (field === MODEL.producerVersion && wireType === WireType.LengthDelimited)
        info.producerVersion = model.string();
      else if (field === MODEL.opsetImport && wireType === WireType.LengthDelimited)
        readOpset(model.message(), (info.opsets ??= {}));
      else if (field === MODEL.metadataProps && wireType === WireType.LengthDelimited)
        readEntry(model.message(), (info.metadata ??= {}));
      else if (field === MODEL.graph && wireType === WireType.LengthDelimited)
        labelSets.push(...readClassLabels(model.message()));
      else model.skip(wireType);
    }
    const classes = singleLabelSet(labelSets);
    if (classes) info.classes = classes;
  } catch {
    // Keep what was read before the part this reader could not follow.
  }
  return info;
}

function readOpset(reader: ProtoReader, into: Record<string, number>): void {
  let domain = '';
  let version = 0;
  while (reader.hasMore()) {
    const { field, wireType } = reader.tag();
    if (field === OPSET.domain && wireType === WireType.LengthDelimited) domain = reader.string();
    else if (field === OPSET.version && wireType === WireType.Varint) version = reader.varint();
    else reader.skip(wireType);
  }
  into[domain || 'ai.onnx'] = Math.max(into[domain || 'ai.onnx'] ?? 0, version);
}

function readEntry(reader: ProtoReader, into: Record<string, string>): void {
  let key = '';
  let value = '';
  while (reader.hasMore()) {
    const { field, wireType } = reader.tag();
    if (field === ENTRY.key && wireType === WireType.LengthDelimited) key = reader.string();
    else if (field === ENTRY.value && wireType === WireType.LengthDelimited) value = reader.string();
    else reader.skip(wireType);
  }
  into[key] = value;
}

/** The label lists of the graph's classifier nodes (top level only; subgraphs are not searched). */
function readClassLabels(graph: ProtoReader): Array<Array<number | string>> {
  const sets: Array<Array<number | string>> = [];
  while (graph.hasMore()) {
    const { field, wireType } = graph.tag();
    if (field !== GRAPH.node || wireType !== WireType.LengthDelimited) {
      graph.skip(wireType);
      continue;
    }
    const labels = readNodeClassLabels(graph.message());
    if (labels) sets.push(labels);
  }
  return sets;
}

function readNodeClassLabels(node: ProtoReader): Array<number | string> | undefined {
  let opType = '';
  let domain = '';
  let labels: Array<number | string> | undefined;
  while (node.hasMore()) {
    const { field, wireType } = node.tag();
    if (field === NODE.opType && wireType === WireType.LengthDelimited) opType = node.string();
    else if (field === NODE.domain && wireType === WireType.LengthDelimited) domain = node.string();
    else if (field === NODE.attribute && wireType === WireType.LengthDelimited)
      labels = readLabelAttribute(node.message()) ?? labels;
    else node.skip(wireType);
  }
  return domain === 'ai.onnx.ml' && opType.endsWith('Classifier') ? labels : undefined;
}

function readLabelAttribute(attribute: ProtoReader): Array<number | string> | undefined {
  let name = '';
  const ints: number[] = [];
  const strings: string[] = [];
  while (attribute.hasMore()) {
    const { field, wireType } = attribute.tag();
    if (field === ATTRIBUTE.name && wireType === WireType.LengthDelimited) {
      name = attribute.string();
      // Writers put the name first; stop before decoding a large tree ensemble's other int lists.
      if (!CLASS_LABEL_ATTRIBUTES.has(name)) return undefined;
    } else if (field === ATTRIBUTE.ints && wireType === WireType.Varint) ints.push(attribute.varint());
    else if (field === ATTRIBUTE.ints && wireType === WireType.LengthDelimited) {
      // Writers may pack repeated ints even though onnx.proto (proto2) does not ask for it.
      const packed = attribute.message();
      while (packed.hasMore()) ints.push(packed.varint());
    } else if (field === ATTRIBUTE.strings && wireType === WireType.LengthDelimited)
      strings.push(attribute.string());
    else attribute.skip(wireType);
  }
  if (!CLASS_LABEL_ATTRIBUTES.has(name)) return undefined;
  return name === 'classlabels_strings' ? strings : ints;
}

/** Several classifiers with different labels (e.g. a stack) leave the model's classes unknown. */
function singleLabelSet(sets: Array<Array<number | string>>): Array<number | string> | undefined {
  const nonEmpty = sets.filter((labels) => labels.length > 0);
  if (nonEmpty.length === 0) return undefined;
  const first = JSON.stringify(nonEmpty[0]);
  return nonEmpty.every((labels) => JSON.stringify(labels) === first) ? nonEmpty[0] : undefined;
}
