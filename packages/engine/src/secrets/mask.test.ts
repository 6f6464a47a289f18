import { describe, expect, it } from "vitest";
import { createSecretMasker } from "./mask.js";

describe("createSecretMasker", () => {
  it("replaces every occurrence, also inside longer text", () => {
    const mask = createSecretMasker(["hunter22"]);
    expect(mask("password=hunter22; again hunter22hunter22")).toBe("password=***; again ******");
    expect(mask("nothing here")).toBe("nothing here");
  });

  it("masks each line of a multi-line value, and the whole value", () => {
    const pem = "-----BEGIN KEY-----\nMIIBOgIBAAJBAK\r\nxyz\n-----END KEY-----";
    const mask = createSecretMasker([pem]);
    expect(mask("-----BEGIN KEY-----")).toBe("***");
    expect(mask("key: MIIBOgIBAAJBAK")).toBe("key: ***");
    // Lines shorter than 4 characters would hide ordinary text.
    expect(mask("xyz")).toBe("xyz");
    expect(mask(`got ${pem}`)).toBe("got ***");
  });

  it("tries longer values first, so a value containing another is masked whole", () => {
    const mask = createSecretMasker(["abcd", "abcdefgh"]);
    expect(mask("abcdefgh abcd")).toBe("*** ***");
  });

  it("treats values literally, not as patterns", () => {
    const mask = createSecretMasker(["a.b*c(d)$", "[x]+\\y"]);
    expect(mask("a.b*c(d)$ axbbc(d)$ [x]+\\y")).toBe("*** axbbc(d)$ ***");
  });

  it("leaves values shorter than 4 characters alone, and returns the input without values", () => {
    expect(createSecretMasker(["abc", ""])("abc abc")).toBe("abc abc");
    expect(createSecretMasker([])("text")).toBe("text");
  });
});
