import { ModelDescription } from '@omega/models';
import { OnnxGraphInfo } from './graph/onnx-graph-info';
import { OnnxSignature } from './signature/onnx-signature';

/** What the store keeps about an ONNX artifact: its signature from the session, its header from the file. */
export function describeOnnxModel(signature: OnnxSignature, graph: OnnxGraphInfo): ModelDescription {
  const { classes, opsets, ...header } = graph;
  const description: ModelDescription = {
    actions: signature.actions,
    inputs: signature.inputs,
    outputs: signature.outputs,
  };
  if (signature.featureCount !== undefined) description.featureCount = signature.featureCount;
  // Labels only mean something beside a label output (a transformer has no classes to show).
  if (classes && signature.labelOutput) description.classes = classes;
  const details: Record<string, unknown> = Object.fromEntries(
    Object.entries(header).filter(([, value]) => value !== undefined),
  );
  // A list, not a map: domain names contain dots, which MongoDB-wire servers refuse in document keys.
  if (opsets) details.opsets = Object.entries(opsets).map(([domain, version]) => ({ domain, version }));
  if (Object.keys(details).length > 0) description.details = details;
  return description;
}
