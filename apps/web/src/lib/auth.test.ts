import { describe, expect, it } from "vitest";
import { can, isAuthPage, isMutatingMethod, oidcStartHref, readCookie, safeNext, signInHref } from "./auth";

describe("readCookie", () => {
  it("finds a cookie by exact name and decodes it", () => {
    const header = "trellis_csrf_old=x; trellis_csrf=ab%2Bcd; other=1";
    expect(readCookie(header, "trellis_csrf")).toBe("ab+cd");
    expect(readCookie(header, "other")).toBe("1");
    expect(readCookie(header, "missing")).toBeNull();
    expect(readCookie("", "trellis_csrf")).toBeNull();
  });
  it("keeps a value that is not valid percent-encoding", () => {
    expect(readCookie("a=%E0%A4%A", "a")).toBe("%E0%A4%A");
  });
});

describe("isMutatingMethod", () => {
  it("is true for the methods the API checks the CSRF header on", () => {
    expect(["POST", "put", "PATCH", "DELETE"].map(isMutatingMethod)).toEqual([true, true, true, true]);
    expect([undefined, "GET", "HEAD", "OPTIONS"].map(isMutatingMethod)).toEqual([false, false, false, false]);
  });
});

describe("safeNext", () => {
  it("keeps paths of this site", () => {
    expect(safeNext("/projects/a/runs?status=failed#x")).toBe("/projects/a/runs?status=failed#x");
  });
  it("refuses other origins and tricks that browsers resolve to one", () => {
    for (const bad of ["https://evil.test/", "//evil.test", "/\\evil.test", "javascript:alert(1)", "/\t/evil.test", "", null, undefined]) {
      expect(safeNext(bad)).toBe("/");
    }
  });
  it("never comes back to the auth pages", () => {
    expect(safeNext("/sign-in?next=/x")).toBe("/");
    expect(safeNext("/setup")).toBe("/");
  });
});

describe("sign-in links", () => {
  it("carries the page to come back to", () => {
    expect(signInHref("/projects/a/runs?x=1")).toBe("/sign-in?next=%2Fprojects%2Fa%2Fruns%3Fx%3D1");
    expect(signInHref("/")).toBe("/sign-in");
    expect(oidcStartHref("/projects/a")).toBe("/api/v1/auth/oidc/start?next=%2Fprojects%2Fa");
    expect(oidcStartHref("//evil")).toBe("/api/v1/auth/oidc/start?next=%2F");
  });
  it("knows the pages that need no session", () => {
    expect(isAuthPage("/sign-in")).toBe(true);
    expect(isAuthPage("/setup")).toBe(true);
    expect(isAuthPage("/sign-inx")).toBe(false);
    expect(isAuthPage("/projects/sign-in")).toBe(false);
  });
});

describe("can", () => {
  it("orders the roles viewer < editor < admin", () => {
    expect(can("viewer", "edit")).toBe(false);
    expect(can("editor", "edit")).toBe(true);
    expect(can("editor", "admin")).toBe(false);
    expect(can("admin", "admin")).toBe(true);
    expect(can(null, "edit")).toBe(false);
  });
});
