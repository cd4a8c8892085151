/** Up to three names close to `input` (edit distance ≤ 3, or a prefix/substring match), best first. */
export function closestNames(input: string, names: string[]): string[] {
  const needle = input.toLowerCase().replace(/^-+/, '');
  return names
    .map((name) => {
      const hay = name.toLowerCase().replace(/^-+/, '');
      const d = hay.includes(needle) || needle.includes(hay) ? 0.5 : distance(needle, hay);
      return { name, d };
    })
    .filter(({ d }) => d <= Math.max(2, Math.min(3, needle.length / 2)))
    .sort((a, b) => a.d - b.d)
    .slice(0, 3)
    .map(({ name }) => name);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}
