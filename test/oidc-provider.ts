import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";

/**
 * A small but real OpenID Connect identity provider for tests: discovery, JWKS, an authorization
 * endpoint that signs in the configured user at once (no UI) and redirects back with a code, a
 * token endpoint that checks the client's credentials, the code, redirect_uri and the PKCE
 * verifier and answers with an RS256-signed ID token, and UserInfo.
 */
export interface IdpUser {
  sub: string;
  /** Omitted: the ID token carries no email (nor does UserInfo unless `emailInUserInfo`). */
  email?: string;
  emailVerified?: boolean;
  name?: string;
  /** Put email and email_verified in UserInfo only, not in the ID token (as some providers do). */
  emailInUserInfo?: boolean;
}

export interface TestIdp {
  /** The issuer identifier, e.g. http://127.0.0.1:41234 (no trailing slash). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Who the next authorization request signs in. */
  user: IdpUser;
  /** When set, the next authorization request is answered with this OAuth error instead of a code. */
  refuseNext: string | null;
  /** Every token request's outcome, for assertions: "ok" or the OAuth error it got. */
  tokenRequests: string[];
  close(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | undefined;
  scope: string;
  user: IdpUser;
  expires: number;
}

const b64url = (bytes: Buffer) => bytes.toString("base64url");

function sameSecret(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  res.end(JSON.stringify(body));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

/** The client credentials of a token request: HTTP Basic (client_secret_basic) or form fields (client_secret_post). */
function clientCredentials(req: IncomingMessage, form: URLSearchParams): { id: string; secret: string } | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith("Basic ")) {
    const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  const id = form.get("client_id");
  const secret = form.get("client_secret");
  return id && secret ? { id, secret } : null;
}

export async function startTestIdp(options: { clientId?: string; clientSecret?: string; user: IdpUser }): Promise<TestIdp> {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const kid = b64url(randomBytes(8));
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, IdpUser>();
  let issuer = "";

  const idp: TestIdp = {
    issuer: "",
    clientId: options.clientId ?? "trellis-test",
    clientSecret: options.clientSecret ?? b64url(randomBytes(24)),
    user: options.user,
    refuseNext: null,
    tokenRequests: [],
    close: () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };

  const authorize = (url: URL, res: ServerResponse) => {
    const p = url.searchParams;
    const redirectUri = p.get("redirect_uri");
    if (p.get("client_id") !== idp.clientId || !redirectUri) return json(res, 400, { error: "invalid_request", error_description: "unknown client or no redirect_uri" });
    const back = new URL(redirectUri);
    const state = p.get("state");
    if (state !== null) back.searchParams.set("state", state);
    const refuse = (error: string, description: string) => {
      back.searchParams.set("error", error);
      back.searchParams.set("error_description", description);
      res.writeHead(302, { location: back.href }).end();
    };
    if (idp.refuseNext) {
      const error = idp.refuseNext;
      idp.refuseNext = null;
      return refuse(error, "the user or the provider refused");
    }
    if (p.get("response_type") !== "code") return refuse("unsupported_response_type", "only code");
    if (!(p.get("scope") ?? "").split(" ").includes("openid")) return refuse("invalid_scope", "openid is required");
    const challenge = p.get("code_challenge");
    if (!challenge || p.get("code_challenge_method") !== "S256") return refuse("invalid_request", "PKCE with S256 is required");
    const code = b64url(randomBytes(24));
    codes.set(code, {
      clientId: idp.clientId,
      redirectUri,
      challenge,
      nonce: p.get("nonce") ?? undefined,
      scope: p.get("scope") ?? "",
      user: { ...idp.user },
      expires: Date.now() + 60_000,
    });
    back.searchParams.set("code", code);
    res.writeHead(302, { location: back.href }).end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse) => {
    const form = await readForm(req);
    const deny = (status: number, error: string, description: string) => {
      idp.tokenRequests.push(error);
      json(res, status, { error, error_description: description });
    };
    const creds = clientCredentials(req, form);
    if (!creds || creds.id !== idp.clientId || !sameSecret(creds.secret, idp.clientSecret)) return deny(401, "invalid_client", "wrong client credentials");
    if (form.get("grant_type") !== "authorization_code") return deny(400, "unsupported_grant_type", "only authorization_code");
    const code = form.get("code") ?? "";
    const issued = codes.get(code);
    // A code works once, whatever the outcome.
    codes.delete(code);
    if (!issued || issued.expires < Date.now() || issued.clientId !== creds.id) return deny(400, "invalid_grant", "unknown, used or expired code");
    if (form.get("redirect_uri") !== issued.redirectUri) return deny(400, "invalid_grant", "redirect_uri does not match the authorization request");
    const verifier = form.get("code_verifier") ?? "";
    if (b64url(createHash("sha256").update(verifier).digest()) !== issued.challenge) return deny(400, "invalid_grant", "PKCE verification failed");

    const user = issued.user;
    const emailClaims = user.email !== undefined ? { email: user.email, email_verified: user.emailVerified ?? false } : {};
    const idToken = await new SignJWT({
      ...(user.emailInUserInfo ? {} : emailClaims),
      ...(user.name !== undefined ? { name: user.name } : {}),
      ...(issued.nonce !== undefined ? { nonce: issued.nonce } : {}),
    })
      .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(issued.clientId)
      .setSubject(user.sub)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    const accessToken = b64url(randomBytes(24));
    accessTokens.set(accessToken, user);
    idp.tokenRequests.push("ok");
    json(res, 200, { access_token: accessToken, token_type: "Bearer", expires_in: 300, scope: issued.scope, id_token: idToken });
  };

  const userinfo = (req: IncomingMessage, res: ServerResponse) => {
    const user = accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
    if (!user) return json(res, 401, { error: "invalid_token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    json(res, 200, {
      sub: user.sub,
      ...(user.email !== undefined ? { email: user.email, email_verified: user.emailVerified ?? false } : {}),
      ...(user.name !== undefined ? { name: user.name } : {}),
    });
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    const route = `${req.method} ${url.pathname}`;
    const handle = async () => {
      switch (route) {
        case "GET /.well-known/openid-configuration":
          return json(res, 200, {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            userinfo_endpoint: `${issuer}/userinfo`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
            code_challenge_methods_supported: ["S256"],
            token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
            scopes_supported: ["openid", "email", "profile"],
            grant_types_supported: ["authorization_code"],
          });
        case "GET /jwks":
          return json(res, 200, { keys: [publicJwk] });
        case "GET /authorize":
          return authorize(url, res);
        case "POST /token":
          return token(req, res);
        case "GET /userinfo":
          return userinfo(req, res);
        default:
          return json(res, 404, { error: "not_found" });
      }
    };
    handle().catch((err: unknown) => json(res, 500, { error: "server_error", error_description: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp.issuer = issuer;
  return idp;
}
