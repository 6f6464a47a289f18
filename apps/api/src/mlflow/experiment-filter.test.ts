import { describe, expect, it } from "vitest";
import { checkLikePattern, parseExperimentFilter, parseExperimentOrderBy } from "./experiment-filter.js";

describe("parseExperimentFilter", () => {
  it("reads MLflow's experiment filters", () => {
    expect(parseExperimentFilter("")).toEqual({ ok: true, value: [] });
    expect(parseExperimentFilter("  ")).toEqual({ ok: true, value: [] });
    expect(parseExperimentFilter("name = 'my-exp'")).toEqual({ ok: true, value: [{ kind: "attribute", key: "name", op: "=", value: "my-exp" }] });
    expect(parseExperimentFilter(`attributes.name LIKE "%vision%" and tags.team = 'cv' AND tags.\`extra-key\` != 'x'`)).toEqual({
      ok: true,
      value: [
        { kind: "attribute", key: "name", op: "LIKE", value: "%vision%" },
        { kind: "tag", key: "team", op: "=", value: "cv" },
        { kind: "tag", key: "extra-key", op: "!=", value: "x" },
      ],
    });
    expect(parseExperimentFilter(`tags."mlflow.note.content" ilike '%Note%'`)).toEqual({ ok: true, value: [{ kind: "tag", key: "mlflow.note.content", op: "ILIKE", value: "%Note%" }] });
    expect(parseExperimentFilter("creation_time >= 1700000000000 AND last_update_time < 5")).toEqual({
      ok: true,
      value: [
        { kind: "attribute", key: "creation_time", op: ">=", value: 1700000000000 },
        { kind: "attribute", key: "last_update_time", op: "<", value: 5 },
      ],
    });
    expect(parseExperimentFilter("name = 'it\\'s'")).toEqual({ ok: true, value: [{ kind: "attribute", key: "name", op: "=", value: "it's" }] });
  });

  it.each([
    ["name = 'a' OR name = 'b'", /OR is not supported/],
    ["(name = 'a')", /parentheses/],
    ["name IN ('a')", /IN and NOT IN/],
    ["name > 'a'", /invalid comparator > for a string/],
    ["creation_time LIKE '1'", /invalid comparator LIKE for a numeric attribute/],
    ["name = a", /expected a quoted string/],
    ["creation_time = 'x'", /epoch milliseconds/],
    ["creation_time = 1.5", /epoch milliseconds/],
    ["metrics.acc > 1", /invalid entity 'metrics'/],
    ["status = 'x'", /invalid attribute key 'status'/],
    ["name = 'a' name = 'b'", /expected AND/],
    ["name = 'a' AND", /expected a condition after AND/],
    ["name = 'a", /unterminated string/],
    ["name", /expected a comparison operator/],
    ["tags. = 'a'", /expected a tag key/],
    ["name LIKE 'a\\\\'", /ends with an escape character/],
  ])("rejects %j with a message", (text, message) => {
    const result = parseExperimentFilter(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("parseExperimentOrderBy", () => {
  it("reads a field and a direction", () => {
    expect(parseExperimentOrderBy("name")).toEqual({ ok: true, value: { key: "name", desc: false } });
    expect(parseExperimentOrderBy("creation_time DESC")).toEqual({ ok: true, value: { key: "creation_time", desc: true } });
    expect(parseExperimentOrderBy("attributes.experiment_id asc")).toEqual({ ok: true, value: { key: "experiment_id", desc: false } });
    expect(parseExperimentOrderBy("last_update_time desc")).toEqual({ ok: true, value: { key: "last_update_time", desc: true } });
  });

  it.each([
    ["tags.team", /invalid order_by entity/],
    ["status", /invalid attribute key/],
    ["name UP", /expected ASC or DESC/],
    ["name DESC x", /unexpected/],
    ["", /expected an attribute to order by/],
  ])("rejects %j", (text, message) => {
    const result = parseExperimentOrderBy(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("checkLikePattern", () => {
  it("accepts patterns whose backslashes each escape a character", () => {
    for (const pattern of ["", "%a_", "50\\%", "a\\\\", "\\\\\\%"]) expect(checkLikePattern(pattern)).toBeNull();
  });

  it("rejects a pattern ending in an unpaired backslash (Postgres would fail the query)", () => {
    for (const pattern of ["\\", "a\\", "a\\\\\\"]) expect(checkLikePattern(pattern)).toMatch(/ends with an escape character/);
  });
});
