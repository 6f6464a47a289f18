import type { FastifyRequest } from "fastify";

/** The request header naming who acts (until there are users, issue 8). */
export const ACTOR_HEADER = "x-trellis-actor";
export const ANONYMOUS = "anonymous";

/** Who makes a change, for the audit trail: the X-Trellis-Actor header, else "anonymous". */
export function actorOf(request: Pick<FastifyRequest, "headers">): string {
  const value = request.headers[ACTOR_HEADER];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text ? text.slice(0, 200) : ANONYMOUS;
}
