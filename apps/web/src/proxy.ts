import { NextResponse, type NextRequest } from "next/server";
import { SESSION_COOKIE, isAuthPage, signInHref } from "@/lib/auth";

/**
 * Pages need a session: a page request without the session cookie goes to the sign-in page,
 * which comes back afterwards. Only the cookie's presence is checked (it is opaque here); the API
 * checks every request itself, and a page whose cookie has expired gets a 401 from it, which
 * also sends the browser to sign in (lib/api.ts).
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (isAuthPage(pathname) || request.cookies.has(SESSION_COOKIE)) return NextResponse.next();
  return NextResponse.redirect(new URL(signInHref(`${pathname}${search}`), request.url));
}

export const config = {
  matcher: [
    // Every page but the API proxy (it answers 401 itself), Next's own files and the icons.
    "/((?!api/|_next/|favicon\\.ico$|icon\\.svg$|apple-icon|robots\\.txt$).*)",
  ],
};
