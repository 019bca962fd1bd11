export function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] - b[i]) ** 2;
  return sum;
}

/** The closest centroid to a row and its squared distance. */
export function nearest(
  row: readonly number[],
  centroids: readonly number[][],
): { index: number; distance: number } {
  let index = 0;
  let distance = Infinity;
  centroids.forEach((centroid, i) => {
    const d = squaredDistance(row, centroid);
    if (d < distance) {
      index = i;
      distance = d;
    }
  });
  return { index, distance };
}

/** k-means++ seeding: each next centroid is a row drawn with probability ∝ its squared distance. */
export function kmeansPlusPlus(rows: readonly number[][], k: number, random: () => number): number[][] {
  const centroids = [rows[Math.floor(random() * rows.length)].slice()];
  const distances = rows.map((row) => squaredDistance(row, centroids[0]));
  while (centroids.length < k) {
    const total = distances.reduce((sum, d) => sum + d, 0);
    // Fewer distinct rows than k leaves every distance 0; any row is then as good as another.
    let pick = Math.floor(random() * rows.length);
    if (total > 0) {
      let target = random() * total;
      pick = distances.findIndex((d) => (target -= d) < 0);
      if (pick < 0) pick = rows.length - 1;
    }
    const centroid = rows[pick].slice();
    centroids.push(centroid);
    rows.forEach((row, i) => (distances[i] = Math.min(distances[i], squaredDistance(row, centroid))));
  }
  return centroids;
}

/**
 * Moves each centroid to the mean of all rows ever assigned to it: `counts` rows before, plus this
 * batch. With counts of 0 this is one Lloyd step; it is also scikit-learn's mini-batch update.
 */
export function updateCentroids(
  rows: readonly number[][],
  centroids: readonly number[][],
  counts: readonly number[],
): { centroids: number[][]; counts: number[] } {
  const sums = centroids.map((centroid, c) => centroid.map((value) => value * counts[c]));
  const nextCounts = [...counts];
  for (const row of rows) {
    const { index } = nearest(row, centroids);
    nextCounts[index]++;
    row.forEach((value, j) => (sums[index][j] += value));
  }
  return {
    // A centroid that no row has reached keeps its place.
    centroids: sums.map((sum, c) =>
      nextCounts[c] > 0 ? sum.map((value) => value / nextCounts[c]) : [...centroids[c]],
    ),
    counts: nextCounts,
  };
}
