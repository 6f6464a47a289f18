import { describe, expect, it } from "vitest";
import { allowedOps, describeClause, parseOrderBy, parseRunFilter, RUN_ATTRIBUTES, type FilterClause } from "./filter.js";

function clauses(text: string): FilterClause[] {
  const result = parseRunFilter(text);
  if (!result.ok) throw new Error(`unexpected error at ${result.position}: ${result.message}`);
  return result.clauses;
}

function one(text: string): FilterClause {
  const parsed = clauses(text);
  expect(parsed).toHaveLength(1);
  return parsed[0]!;
}

/** Asserts an error; `at` is either the position or a marker substring whose first occurrence is the position. */
function expectError(text: string, message: string | RegExp, at: number | string) {
  const position = typeof at === "number" ? at : text.indexOf(at);
  expect(position).toBeGreaterThanOrEqual(0);
  const result = parseRunFilter(text);
  expect(result.ok).toBe(false);
  if (result.ok) return;
  if (typeof message === "string") expect(result.message).toBe(message);
  else expect(result.message).toMatch(message);
  expect(result.position).toBe(position);
}

describe("parseRunFilter: structure", () => {
  it.each(["", " ", "\t\n  "])("reads %j as no clauses", (text) => {
    expect(parseRunFilter(text)).toEqual({ ok: true, clauses: [] });
  });

  it("parses the experiment page example", () => {
    expect(clauses("metrics.accuracy > 0.9 and params.lr = 0.01")).toEqual([
      { entity: "metric", key: "accuracy", op: ">", value: 0.9 },
      { entity: "param", key: "lr", op: "=", value: 0.01 },
    ]);
  });

  it("joins clauses with AND in any case and any spacing", () => {
    const expected = [
      { entity: "metric", key: "a", op: ">", value: 1 },
      { entity: "metric", key: "b", op: "<", value: 2 },
      { entity: "tag", key: "c", op: "=", value: "x" },
    ];
    expect(clauses("metrics.a > 1 AND metrics.b < 2 And tags.c = 'x'")).toEqual(expected);
    expect(clauses("  metrics.a>1\n\tand\tmetrics.b<2 and tags.c='x'  ")).toEqual(expected);
  });
});

describe("parseRunFilter: parentheses", () => {
  it("rejects grouping", () => {
    expectError("metrics.a > 1 and(metrics.b < 2)", "parentheses are not supported; combine conditions with AND", "(");
    expectError("(metrics.a > 1)", "parentheses are not supported; combine conditions with AND", 0);
  });
});

describe("parseRunFilter: fields", () => {
  it.each([
    ["metrics.x = 1", "metric"],
    ["metric.x = 1", "metric"],
    ["METRICS.x = 1", "metric"],
    ["params.x = 1", "param"],
    ["param.x = 1", "param"],
    ["parameters.x = 1", "param"],
    ["Params.x = 1", "param"],
    ["tags.x = 1", "tag"],
    ["tag.x = 1", "tag"],
    ["TAGS.x = 1", "tag"],
  ])("reads the entity of %j", (text, entity) => {
    expect(one(text)).toEqual({ entity, key: "x", op: "=", value: 1 });
  });

  it.each(["attributes", "attribute", "attr", "run", "ATTRIBUTES", "Run"])("reads %s. as the attribute prefix", (prefix) => {
    expect(one(`${prefix}.status = 'FINISHED'`)).toEqual({ entity: "attribute", key: "status", op: "=", value: "FINISHED" });
  });

  it("takes everything after the first dot as the key", () => {
    expect(one("metrics.val.loss < 0.2").key).toBe("val.loss");
    expect(one("tags.mlflow.runName = 'x'").key).toBe("mlflow.runName");
    expect(one("metrics.train/loss-avg:1_x < 1").key).toBe("train/loss-avg:1_x");
    expect(one("params.a.b.c = 'd'").key).toBe("a.b.c");
    expect(one("metrics.准确率 > 0.5").key).toBe("准确率");
  });

  it("keeps key case", () => {
    expect(one("params.LR = 1").key).toBe("LR");
  });

  it("reads backtick and double-quoted keys", () => {
    expect(one("metrics.`f1 score` > 0.5")).toEqual({ entity: "metric", key: "f1 score", op: ">", value: 0.5 });
    expect(one('params."my param" = \'x\'')).toEqual({ entity: "param", key: "my param", op: "=", value: "x" });
    expect(one('tags."a \\" b" = \'x\'').key).toBe('a " b');
    expect(one("tags.`a``b` = 'x'").key).toBe("a`b");
    expect(one('metrics."x">1').key).toBe("x");
  });

  it("reads a double-quoted token after the operator as a value", () => {
    expect(one('params."optimizer" = "adam"')).toEqual({ entity: "param", key: "optimizer", op: "=", value: "adam" });
    expect(one('tags.x = "a \\"quoted\\" word"').value).toBe('a "quoted" word');
  });

  it.each([
    ["status", "status"],
    ["run_name", "run_name"],
    ["name", "run_name"],
    ["run_id", "run_id"],
    ["id", "run_id"],
    ["pipeline", "pipeline"],
    ["source", "source"],
    ["STATUS", "status"],
  ])("normalises the string attribute %s", (written, key) => {
    expect(one(`attributes.${written} = 'x'`)).toEqual({ entity: "attribute", key, op: "=", value: "x" });
    expect(one(`${written} = 'x'`)).toEqual({ entity: "attribute", key, op: "=", value: "x" });
  });

  it.each([
    ["start_time", "start_time"],
    ["started", "start_time"],
    ["end_time", "end_time"],
    ["finished", "end_time"],
    ["created", "created"],
    ["created_at", "created"],
    ["creation_time", "created"],
  ])("normalises the time attribute %s", (written, key) => {
    expect(one(`attributes.${written} >= 1700000000000`)).toEqual({ entity: "attribute", key, op: ">=", value: 1_700_000_000_000 });
    expect(one(`${written} >= 1700000000000`)).toEqual({ entity: "attribute", key, op: ">=", value: 1_700_000_000_000 });
  });

  it("normalises quoted attribute keys and the run. prefix", () => {
    expect(one("attributes.`run_name` = 'a'").key).toBe("run_name");
    expect(one("run.id = 'abc'").key).toBe("run_id");
  });

  it("lists every attribute", () => {
    expect(RUN_ATTRIBUTES).toEqual(["status", "run_name", "run_id", "start_time", "end_time", "created", "pipeline", "source"]);
  });

  it("rejects unknown attributes, naming the allowed ones", () => {
    expectError(
      "attributes.user_id = 'x'",
      "attributes.user_id: unknown attribute 'user_id'; attributes are status, run_name, run_id, start_time, end_time, created, pipeline, source",
      "user_id",
    );
    expectError("metrics.a > 1 and run.artifact_uri = 'x'", /^run\.artifact_uri: unknown attribute 'artifact_uri'; attributes are status, /, "artifact_uri");
  });

  it("rejects bare names that are not attributes", () => {
    expectError(
      "accuracy > 0.9",
      "unknown field 'accuracy': use metrics.<key>, params.<key>, tags.<key> or an attribute (status, run_name, run_id, start_time, end_time, created, pipeline, source)",
      0,
    );
    expectError("metrics > 0.9", /^unknown field 'metrics': use metrics\.<key>/, 0);
    expectError("status = 'x' and val-loss < 1", /^unknown field 'val-loss'/, "val-loss");
  });

  it("rejects unknown entities", () => {
    expectError("metricz.a > 1", "unknown entity 'metricz' in 'metricz.a'; use metrics., params., tags. or attributes.", 0);
    expectError("metrics.a > 1 and foo.bar = 'x'", /^unknown entity 'foo'/, "foo");
  });

  it("rejects missing and empty keys", () => {
    expectError("metrics. > 1", "expected a key after 'metrics.', got whitespace", 8);
    expectError("metrics.=1", "expected a key after 'metrics.', got '=1'", 8);
    expectError("metrics.", "expected a key after 'metrics.', got the end of the filter", 8);
    expectError("metrics.`` > 1", "metrics.``: the key is empty", 8);
    expectError('params."" = 1', 'params."": the key is empty', 7);
  });

  it("rejects unterminated quoted keys", () => {
    expectError("metrics.`f1 score > 1", "unterminated string: missing closing `", 8);
    expectError('params."a = 1', 'unterminated string: missing closing "', 7);
  });

  it("rejects things that are not fields", () => {
    expectError("5 > metrics.a", "expected a field such as metrics.accuracy, got '5'", 0);
    expectError("'status' = 'x'", "expected a field such as metrics.accuracy, got ''status''", 0);
    expectError("and metrics.a > 1", "expected a condition, got 'and'", 0);
    expectError("metrics.a > 1 and and metrics.b > 1", "expected a condition, got 'and'", 18);
  });
});

describe("parseRunFilter: operators", () => {
  it.each([
    ["=", "="],
    ["==", "="],
    ["!=", "!="],
    ["<>", "!="],
    [">", ">"],
    [">=", ">="],
    ["<", "<"],
    ["<=", "<="],
  ])("reads %s as %s", (written, op) => {
    expect(one(`metrics.a ${written} 1`).op).toBe(op);
    expect(one(`metrics.a${written}1`).op).toBe(op);
  });

  it("reads keyword operators in any case", () => {
    expect(one("params.a LIKE 'x%'").op).toBe("LIKE");
    expect(one("params.a like 'x%'").op).toBe("LIKE");
    expect(one("tags.a ILike '%x'").op).toBe("ILIKE");
    expect(one("status in ('RUNNING')").op).toBe("IN");
    expect(one("status NOT IN ('RUNNING')").op).toBe("NOT IN");
    expect(one("status not  in('RUNNING')").op).toBe("NOT IN");
    expect(one("run_id Not\tIn ('a')").op).toBe("NOT IN");
  });

  it("rejects a missing operator", () => {
    expectError("metrics.a", "metrics.a: missing operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN)", 9);
    expectError("metrics.a ", "metrics.a: missing operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN)", 10);
    expectError("metrics.a 1", "metrics.a: expected an operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN), got '1'", 10);
    expectError("metrics.a and metrics.b > 1", "metrics.a: missing operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN) before AND", 10);
    expectError("params.a LIKEE 'x'", /^params\.a: expected an operator \(.*\), got 'LIKEE'$/, 9);
    expectError("tags.a IS NULL", /^tags\.a: expected an operator \(.*\), got 'IS'$/, 7);
    expectError("metrics.a ! 1", /^metrics\.a: expected an operator \(.*\), got '!'$/, 10);
  });

  it("rejects NOT without IN", () => {
    expectError("params.a NOT LIKE 'x'", "params.a: expected IN after NOT, got 'LIKE'", 13);
    expectError("status NOT", "status: expected IN after NOT, got the end of the filter", 10);
  });

  it.each([
    ["metrics.a LIKE 'x'", "metrics.a: LIKE is not supported for metrics; use =, !=, >, >=, <, <=", "LIKE"],
    ["metrics.a ilike 'x'", "metrics.a: ILIKE is not supported for metrics; use =, !=, >, >=, <, <=", "ilike"],
    [
      "metrics.a IN (1, 2)",
      "metrics.a: IN is not supported for metrics; use =, !=, >, >=, <, <= (IN and NOT IN work on attributes.status and attributes.run_id)",
      "IN",
    ],
    [
      "params.a NOT IN ('x')",
      "params.a: NOT IN is not supported for params; use =, !=, >, >=, <, <=, LIKE, ILIKE (IN and NOT IN work on attributes.status and attributes.run_id)",
      "NOT",
    ],
    ["tags.a IN ('x')", /^tags\.a: IN is not supported for tags; use /, "IN"],
    ["status > 'A'", "status: > is not supported for attributes.status; use =, !=, LIKE, ILIKE, IN, NOT IN", ">"],
    ["attributes.run_name IN ('a')", /^attributes\.run_name: IN is not supported for attributes\.run_name; use =, !=, LIKE, ILIKE \(/, "IN"],
    ["pipeline < 'a'", "pipeline: < is not supported for attributes.pipeline; use =, !=, LIKE, ILIKE", "<"],
    ["start_time LIKE '1%'", "start_time: LIKE is not supported for attributes.start_time; use =, !=, >, >=, <, <=", "LIKE"],
    ["created IN (1)", /^created: IN is not supported for attributes\.created; /, "IN"],
  ])("rejects the operator in %j", (text, message, at) => {
    expectError(text, message, at);
  });

  it("reports which operators each field takes", () => {
    expect(allowedOps("metric", "x")).toEqual(["=", "!=", ">", ">=", "<", "<="]);
    expect(allowedOps("param", "x")).toEqual(["=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE"]);
    expect(allowedOps("tag", "x")).toEqual(["=", "!=", ">", ">=", "<", "<=", "LIKE", "ILIKE"]);
    expect(allowedOps("attribute", "status")).toEqual(["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"]);
    expect(allowedOps("attribute", "run_id")).toEqual(["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"]);
    expect(allowedOps("attribute", "source")).toEqual(["=", "!=", "LIKE", "ILIKE"]);
    expect(allowedOps("attribute", "end_time")).toEqual(["=", "!=", ">", ">=", "<", "<="]);
  });
});

describe("parseRunFilter: values", () => {
  it.each([
    ["0.9", 0.9],
    ["10", 10],
    ["-1e-3", -0.001],
    ["+2", 2],
    [".5", 0.5],
    ["5.", 5],
    ["1E3", 1000],
    ["1e+2", 100],
    ["-0", 0],
    ["007", 7],
  ])("reads the number %s", (written, value) => {
    const clause = one(`metrics.a > ${written}`);
    expect(clause.value).toBe(value);
    expect(Object.is(clause.value, -0)).toBe(false);
  });

  it("reads single- and double-quoted strings with escapes", () => {
    expect(one("tags.a = 'hello world'").value).toBe("hello world");
    expect(one("tags.a = ''").value).toBe("");
    expect(one("tags.a = 'it\\'s'").value).toBe("it's");
    expect(one("tags.a = 'it''s'").value).toBe("it's");
    expect(one('tags.a = "say \\"hi\\""').value).toBe('say "hi"');
    expect(one("tags.a = 'a\\\\b'").value).toBe("a\\b");
    expect(one("tags.a = 'He said \"no\"'").value).toBe('He said "no"');
    expect(one("tags.a = 'AND OR = ( )'").value).toBe("AND OR = ( )");
  });

  it("keeps backslashes that escape nothing, so LIKE escapes reach SQL", () => {
    expect(one("params.a LIKE '50\\%'").value).toBe("50\\%");
    expect(one("tags.path = 'C:\\temp'").value).toBe("C:\\temp");
  });

  it("keeps strings exactly as given", () => {
    expect(one("attributes.status = 'FINISHED'").value).toBe("FINISHED");
    expect(one("status = 'finished'").value).toBe("finished");
    expect(one("params.lr = '0.01'").value).toBe("0.01");
    expect(one("tags.a = '  x  '").value).toBe("  x  ");
  });

  it("accepts numbers for params and tags", () => {
    expect(one("params.lr = 0.01")).toEqual({ entity: "param", key: "lr", op: "=", value: 0.01 });
    expect(one("params.epochs > 5")).toEqual({ entity: "param", key: "epochs", op: ">", value: 5 });
    expect(one("tags.priority <= 3").value).toBe(3);
    expect(one("params.a != 'x'").value).toBe("x");
    expect(one("params.a >= 'b'").value).toBe("b");
  });

  it("reads IN lists, dropping duplicates", () => {
    expect(one("status IN ('FINISHED', 'FAILED')")).toEqual({ entity: "attribute", key: "status", op: "IN", value: ["FINISHED", "FAILED"] });
    expect(one("attributes.run_id NOT IN ( 'a' ,\"b\",'a' )")).toEqual({ entity: "attribute", key: "run_id", op: "NOT IN", value: ["a", "b"] });
    expect(one("status IN('X')").value).toEqual(["X"]);
  });

  it("reads attribute strings and times", () => {
    expect(one("run_name LIKE 'train-%'")).toEqual({ entity: "attribute", key: "run_name", op: "LIKE", value: "train-%" });
    expect(one("pipeline = 'nightly'")).toEqual({ entity: "attribute", key: "pipeline", op: "=", value: "nightly" });
    expect(one("source ILIKE '%git%'").value).toBe("%git%");
    expect(one("start_time < 1.7e12")).toEqual({ entity: "attribute", key: "start_time", op: "<", value: 1.7e12 });
    expect(one("end_time != 0").value).toBe(0);
  });

  it("rejects non-numbers for metrics", () => {
    expectError("metrics.accuracy > 'high'", "metrics.accuracy: expected a number, got 'high'", "'high'");
    expectError("metrics.accuracy > high", "metrics.accuracy: expected a number, got high", "high");
    expectError("metrics.accuracy = '0.9'", "metrics.accuracy: expected a number, got '0.9'", "'");
    expectError("metrics.a > NaN", "metrics.a: expected a number, got NaN", "NaN");
    expectError("metrics.a > Infinity", "metrics.a: expected a number, got Infinity", "Inf");
    expectError("metric.a > 0x10", "metric.a: expected a number, got 0x10", "0x");
    expectError("metrics.a > 1.2.3", "metrics.a: expected a number, got 1.2.3", "1.");
    expectError("metrics.a > 10abc", "metrics.a: expected a number, got 10abc", "10");
    expectError("metrics.a > 1e", "metrics.a: expected a number, got 1e", "1e");
    expectError("metrics.a > -", "metrics.a: expected a number, got -", "-");
  });

  it("rejects out-of-range numbers", () => {
    expectError("metrics.a > 1e999", "number out of range: 1e999", "1e");
    expectError("params.a < -1e400", "number out of range: -1e400", "-");
  });

  it("rejects unquoted words for params and tags, suggesting quotes", () => {
    expectError("params.optimizer = adam", "params.optimizer: expected a number or a quoted string, got adam (write 'adam')", "adam");
    expectError("tags.x = true", "tags.x: expected a number or a quoted string, got true (write 'true')", "true");
  });

  it("requires strings for LIKE and ILIKE", () => {
    expectError("params.lr LIKE 5", "params.lr: expected a quoted string pattern for LIKE, got 5", "5");
    expectError("tags.a ILIKE x%", "tags.a: expected a quoted string pattern for ILIKE, got x% (write 'x%')", "x%");
  });

  it("requires strings for string attributes", () => {
    expectError("status = FINISHED", "status: expected a quoted string, got FINISHED (write 'FINISHED')", "FINISHED");
    expectError("attributes.run_name = 5", "attributes.run_name: expected a quoted string, got 5", "5");
    expectError("status IN ('A', 3)", "status: expected a quoted string, got 3", "3");
  });

  it("requires integer epoch milliseconds for time attributes", () => {
    expectError(
      "start_time > '2024-01-01'",
      "start_time: expected a time in epoch milliseconds (an integer), got '2024-01-01'",
      "'",
    );
    expectError("attributes.end_time < 1.5", "attributes.end_time: expected a time in epoch milliseconds (an integer), got 1.5", "1.5");
    expectError("created > yesterday", "created: expected a time in epoch milliseconds (an integer), got yesterday", "yest");
    expectError("created > 1e300", /^created: expected a time in epoch milliseconds \(an integer\), got 1e\+300$/, "1e");
  });

  it("rejects a missing value", () => {
    expectError("metrics.a >", "missing value after 'metrics.a >'", 11);
    expectError("metrics.a >   ", "missing value after 'metrics.a >'", 14);
    expectError("metrics.a > and metrics.b < 1", "missing value after 'metrics.a >'", "and");
    expectError("metrics.a > 1 and params.b =", "missing value after 'params.b ='", 28);
    expectError("params.b = ,", "missing value after 'params.b ='", ",");
  });

  it("rejects unterminated strings at the opening quote", () => {
    expectError("tags.a = 'abc", "unterminated string: missing closing '", "'");
    expectError('tags.a = "abc', 'unterminated string: missing closing "', '"');
    expectError("tags.a = 'it\\'", "unterminated string: missing closing '", "'");
    expectError("tags.a = 'x''", "unterminated string: missing closing '", "'");
    expectError("status IN ('a', 'b)", "unterminated string: missing closing '", "'b");
  });

  it("rejects backtick-quoted values", () => {
    expectError("tags.a = `x`", "backticks quote keys, not values; write values in 'single quotes'", "`");
  });

  it("rejects malformed IN lists", () => {
    expectError("status IN 'A'", "status: IN needs a parenthesised list such as ('a', 'b'), got ''A''", "'");
    expectError("status NOT IN", "status: NOT IN needs a parenthesised list such as ('a', 'b'), got the end of the filter", 13);
    expectError("status IN ()", "status: the IN list is empty", "(");
    expectError("status IN (  )", "status: the IN list is empty", "(");
    expectError("status IN ('a' 'b')", "status: expected ',' or ')' in the IN list, got ''b')'", "'b'");
    expectError("status IN ('a',", "missing value after 'status IN ('a','", 15);
    expectError("status IN ('a'", "status: expected ',' or ')' in the IN list, got the end of the filter", 14);
    expectError("status IN ('a',)", "missing value after 'status IN ('a','", ")");
    expectError("status IN (('a'))", "missing value after 'status IN ('", 11);
  });

  it("rejects a list after a scalar operator", () => {
    expectError("status = ('a')", "status: a parenthesised list can only follow IN or NOT IN", "(");
  });
});

describe("parseRunFilter: what may follow a clause", () => {
  it("rejects OR with a clear message", () => {
    expectError("metrics.a > 1 or metrics.b > 2", "OR is not supported; combine conditions with AND", "or");
    expectError("metrics.a > 1 OR metrics.b > 2", "OR is not supported; combine conditions with AND", "OR");
    expectError("metrics.a > 1 || metrics.b > 2", "OR is not supported; combine conditions with AND", "||");
  });

  it("rejects trailing garbage", () => {
    expectError("metrics.a > 1 metrics.b > 2", "unexpected 'metrics.b' after 'metrics.a > 1'; conditions are joined with AND", 14);
    expectError("metrics.a > 1 2", "unexpected '2' after 'metrics.a > 1'; conditions are joined with AND", 14);
    expectError("tags.a = 'x' 'y'", "unexpected ''y'' after 'tags.a = 'x''; conditions are joined with AND", 13);
    expectError("status IN ('a') )", "unexpected ')' after 'status IN ('a')'; conditions are joined with AND", 16);
    expectError("metrics.a > 1 andmetrics.b > 2", /^unexpected 'andmetrics\.b' after/, 14);
    expectError("metrics.a > 1;", "unexpected ';' after 'metrics.a > 1'; conditions are joined with AND", 13);
    expectError("metrics.a > 1 && metrics.b > 2", /^unexpected '&&' after/, "&&");
  });

  it("rejects a dangling AND", () => {
    expectError("metrics.a > 1 and", "expected a condition after AND", 17);
    expectError("metrics.a > 1 AND  ", "expected a condition after AND", 19);
  });

  it("shortens long tokens in messages", () => {
    const result = parseRunFilter(`metrics.a > 1 ${"x".repeat(100)}`);
    expect(result).toEqual({ ok: false, message: `unexpected '${"x".repeat(24)}…' after 'metrics.a > 1'; conditions are joined with AND`, position: 14 });
  });

  it("reports positions in the original text, leading whitespace included", () => {
    expectError("   metrics.a > 'x'", "metrics.a: expected a number, got 'x'", 15);
  });
});

describe("describeClause", () => {
  it.each([
    ["metrics.accuracy > 0.9", "metrics.accuracy > 0.9"],
    ["metric.accuracy==0.9", "metrics.accuracy = 0.9"],
    ["params.lr <> 0.01", "params.lr != 0.01"],
    ["parameters.optimizer = \"adam\"", "params.optimizer = 'adam'"],
    ["tags.note = 'it''s'", "tags.note = 'it\\'s'"],
    ["status = 'FINISHED'", "attributes.status = 'FINISHED'"],
    ["run.name like 'a%'", "attributes.run_name LIKE 'a%'"],
    ["attr.id not in ('a','b')", "attributes.run_id NOT IN ('a', 'b')"],
    ["started >= 1700000000000", "attributes.start_time >= 1700000000000"],
    ["metrics.`f1 score` < -1e-7", "metrics.`f1 score` < -1e-7"],
    ['metrics."a`b" < 1', "metrics.`a\\`b` < 1"],
    ["metrics.val.loss <= 1e21", "metrics.val.loss <= 1e+21"],
    ["params.p LIKE '50\\%'", "params.p LIKE '50\\%'"],
    ["metrics.größe > 1", "metrics.größe > 1"],
    ["tags.`a b` = 1", "tags.`a b` = 1"],
  ])("renders %j as %j", (text, canonical) => {
    expect(describeClause(one(text))).toBe(canonical);
  });

  it.each([
    "a",
    "",
    "it's",
    '"',
    "\\",
    "a\\",
    "\\'",
    "\\\\",
    "50\\%",
    "\\\\%",
    "''",
    "tab\there",
    "line\nbreak",
    "ü 准",
  ])("round-trips the string %j", (value) => {
    const clause: FilterClause = { entity: "tag", key: "k", op: "=", value };
    expect(one(describeClause(clause))).toEqual(clause);
    const keyed: FilterClause = { entity: "param", key: value === "" ? "k" : value, op: "LIKE", value };
    expect(one(describeClause(keyed))).toEqual(keyed);
  });

  it.each([0, 1, -1, 0.1, 1e-7, -2.5e-300, 1e21, 123456789.123, Number.MAX_VALUE])("round-trips the number %d", (value) => {
    const clause: FilterClause = { entity: "metric", key: "m", op: "<=", value };
    expect(one(describeClause(clause))).toEqual(clause);
  });

  it("round-trips whole filters", () => {
    const text = "metrics.accuracy > 0.9 and params.lr = 0.01 and status in ('FINISHED', 'FAILED') and tags.`team name` ilike '%ml%'";
    const parsed = clauses(text);
    expect(clauses(parsed.map(describeClause).join(" and "))).toEqual(parsed);
  });
});

describe("parseOrderBy", () => {
  it.each([
    ["metrics.accuracy", { entity: "metric", key: "accuracy", desc: false }],
    ["metrics.accuracy DESC", { entity: "metric", key: "accuracy", desc: true }],
    ["metrics.accuracy asc", { entity: "metric", key: "accuracy", desc: false }],
    ["  params.lr   Desc  ", { entity: "param", key: "lr", desc: true }],
    ["tags.`team name` DESC", { entity: "tag", key: "team name", desc: true }],
    ["metrics.val.loss", { entity: "metric", key: "val.loss", desc: false }],
    ["start_time DESC", { entity: "attribute", key: "start_time", desc: true }],
    ["attributes.name", { entity: "attribute", key: "run_name", desc: false }],
    ["run.finished desc", { entity: "attribute", key: "end_time", desc: true }],
    ["created", { entity: "attribute", key: "created", desc: false }],
  ])("parses %j", (text, value) => {
    expect(parseOrderBy(text)).toEqual({ ok: true, value });
  });

  it.each([
    ["", "expected a field to order by, such as metrics.accuracy DESC", 0],
    ["   ", "expected a field to order by, such as metrics.accuracy DESC", 3],
    ["accuracy DESC", "unknown field 'accuracy': use metrics.<key>, params.<key>, tags.<key> or an attribute (status, run_name, run_id, start_time, end_time, created, pipeline, source)", 0],
    ["attributes.user_id", "attributes.user_id: unknown attribute 'user_id'; attributes are status, run_name, run_id, start_time, end_time, created, pipeline, source", 11],
    ["metrics. DESC", "expected a key after 'metrics.', got whitespace", 8],
    ["metricz.a", "unknown entity 'metricz' in 'metricz.a'; use metrics., params., tags. or attributes.", 0],
    ["metrics.a DOWN", "metrics.a: expected ASC, DESC or the end, got 'DOWN'", 10],
    ["metrics.a DESC, metrics.b", "unexpected ',' after 'metrics.a DESC'", 14],
    ["metrics.a DESC ASC", "unexpected 'ASC' after 'metrics.a DESC'", 15],
    ["metrics.a, metrics.b", "metrics.a: expected ASC, DESC or the end, got ','", 9],
    ["metrics.`a", "unterminated string: missing closing `", 8],
  ])("rejects %j", (text, message, position) => {
    expect(parseOrderBy(text)).toEqual({ ok: false, message, position });
  });
});
