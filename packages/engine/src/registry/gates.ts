/**
 * Promotion gates: conditions on a version's metrics that must hold for it to be promoted to
 * Production, written one per line of the model's policy:
 *
 *   accuracy >= 0.8
 *   f1 >= production.f1              compared with the current Production version
 *   loss <= production.loss + 0.01   with a tolerance
 *
 * Metrics are the latest values of the version's run. Pure functions.
 */

export const GATE_OPERATORS = [">=", "<=", "==", "!=", ">", "<"] as const;
export type GateOperator = (typeof GATE_OPERATORS)[number];

export interface Gate {
  text: string;
  metric: string;
  op: GateOperator;
  /** A number, or the Production version's metric plus an offset. */
  right: { kind: "number"; value: number } | { kind: "production"; metric: string; offset: number };
}

export interface GateResult {
  gate: string;
  passed: boolean;
  /** The candidate's value (null: not logged). */
  left: number | null;
  /** What it was compared with (null: nothing to compare with). */
  right: number | null;
  message: string;
}

const METRIC = String.raw`[A-Za-z_][\w.\-/]*`;
const NUMBER = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;
const GATE_RE = new RegExp(
  String.raw`^\s*(${METRIC})\s*(>=|<=|==|!=|>|<)\s*(?:(${NUMBER})|production\.(${METRIC})\s*(?:([-+])\s*(${NUMBER}))?)\s*$`,
);

/** Parses one gate; a message saying what is wrong otherwise. */
export function parseGate(text: string): Gate | string {
  const m = GATE_RE.exec(text);
  if (!m) return `cannot read gate "${text}": write METRIC OP VALUE, e.g. "accuracy >= 0.8" or "f1 >= production.f1" (operators ${GATE_OPERATORS.join(" ")})`;
  const [, metric, op, number, prodMetric, sign, offset] = m;
  if (number !== undefined) return { text: text.trim(), metric: metric!, op: op as GateOperator, right: { kind: "number", value: Number(number) } };
  const off = offset === undefined ? 0 : Number(offset) * (sign === "-" ? -1 : 1);
  return { text: text.trim(), metric: metric!, op: op as GateOperator, right: { kind: "production", metric: prodMetric!, offset: off } };
}

const compare = (a: number, op: GateOperator, b: number): boolean =>
  op === ">=" ? a >= b : op === "<=" ? a <= b : op === ">" ? a > b : op === "<" ? a < b : op === "==" ? a === b : a !== b;

const show = (n: number) => String(Number(n.toPrecision(6)));

/**
 * Evaluates gates against a candidate's metrics and the current Production version's (null:
 * there is none — gates that compare with it pass, as there is nothing to be worse than).
 */
export function evaluateGates(gates: Gate[], candidate: Record<string, number>, production: Record<string, number> | null): GateResult[] {
  return gates.map((gate) => {
    const left = candidate[gate.metric] ?? null;
    let right: number | null;
    if (gate.right.kind === "number") right = gate.right.value;
    else {
      if (production === null) return { gate: gate.text, passed: true, left, right: null, message: `${gate.text}: passed (no Production version to compare with)` };
      const base = production[gate.right.metric];
      if (base === undefined) return { gate: gate.text, passed: true, left, right: null, message: `${gate.text}: passed (the Production version has no ${gate.right.metric} metric)` };
      right = base + gate.right.offset;
    }
    if (left === null) return { gate: gate.text, passed: false, left, right, message: `${gate.text}: failed, this version's run has no ${gate.metric} metric` };
    const passed = compare(left, gate.op, right);
    if (passed) return { gate: gate.text, passed, left, right, message: `${gate.text}: passed (${show(left)} ${gate.op} ${show(right)})` };
    const gap = Math.abs(left - right);
    const by = gate.op === "==" || gate.op === "!=" ? "" : `, ${gate.op.startsWith(">") ? "short" : "over"} by ${show(gap)}`;
    return { gate: gate.text, passed, left, right, message: `${gate.text}: failed, ${gate.metric} is ${show(left)} against ${show(right)}${by}` };
  });
}
