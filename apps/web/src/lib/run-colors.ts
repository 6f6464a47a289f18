/**
 * One colour per run of a comparison, by its position in the selection, so a run has the same
 * colour in every table and chart. The first ten are a hand-picked categorical palette (Tableau
 * 10, slightly deepened for contrast on white); further runs walk the hue circle by the golden
 * angle, which keeps neighbours apart however many runs there are.
 */
const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#e15759",
  "#59a14f",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#ff9da7",
  "#9c755f",
  "#7f7f7f",
] as const;

export function runColor(index: number): string {
  if (index >= 0 && index < PALETTE.length) return PALETTE[index]!;
  const i = Math.max(0, index - PALETTE.length);
  const hue = Math.round((i * 137.508 + 20) % 360);
  // Alternate lightness so adjacent hues differ in more than one dimension.
  const light = i % 3 === 0 ? 42 : i % 3 === 1 ? 52 : 62;
  return `hsl(${hue} 65% ${light}%)`;
}
