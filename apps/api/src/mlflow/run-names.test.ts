import { describe, expect, it } from "vitest";
import { ADJECTIVES, generateRunName, NOUNS } from "./run-names.js";

describe("generateRunName", () => {
  it("makes MLflow-style names: adjective-noun-number", () => {
    for (let i = 0; i < 200; i++) {
      const name = generateRunName();
      expect(name).toMatch(/^[a-z]+-[a-z]+-\d{1,3}$/);
      const [adjective, noun] = name.split("-");
      expect(ADJECTIVES).toContain(adjective);
      expect(NOUNS).toContain(noun);
    }
  });

  it("covers the ends of the lists and of the number range", () => {
    expect(generateRunName(() => 0)).toBe(`${ADJECTIVES[0]}-${NOUNS[0]}-0`);
    expect(generateRunName(() => 0.999999999)).toBe(`${ADJECTIVES.at(-1)}-${NOUNS.at(-1)}-999`);
  });
});
