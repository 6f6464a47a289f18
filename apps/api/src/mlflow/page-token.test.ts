import { describe, expect, it } from "vitest";
import { MlflowError } from "./errors.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

describe("page tokens", () => {
  it("round-trip an offset in MLflow's format", () => {
    expect(decodePageToken(encodePageToken(1000))).toBe(1000);
    expect(Buffer.from(encodePageToken(25), "base64").toString()).toBe('{"offset":25}');
  });

  it("treat no token as the first page", () => {
    expect(decodePageToken(undefined)).toBe(0);
    expect(decodePageToken(null)).toBe(0);
    expect(decodePageToken("")).toBe(0);
  });

  it.each(["not a token!", Buffer.from("hello").toString("base64"), Buffer.from('{"offset":-1}').toString("base64"), Buffer.from('{"offset":"5"}').toString("base64"), Buffer.from("[1]").toString("base64")])(
    "rejects %j as an invalid parameter",
    (token) => {
      let error: unknown;
      try {
        decodePageToken(token);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MlflowError);
      expect((error as MlflowError).body).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/^Invalid page token/) });
      expect((error as MlflowError).status).toBe(400);
    },
  );
});
