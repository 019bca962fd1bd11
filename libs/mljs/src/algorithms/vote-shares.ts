/**
 * Share of votes each class index received, one column per class. This is what scikit-learn's
 * `predict_proba` answers for KNN with uniform weights; for a forest it is the share of trees.
 */
export function voteShares(votes: readonly number[], classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const vote of votes) counts[vote]++;
  // Counting first and dividing once keeps a unanimous vote at exactly 1.
  return counts.map((count) => count / votes.length);
}
