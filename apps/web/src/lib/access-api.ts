"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { apiRequest } from "./api";
import type { ListResponse } from "./api-types";
import type { Role } from "./auth";
import { queryKeys } from "./query-keys";

// ---------------------------------------------------------------- types (the API contract)

/** An account as instance admins see it. */
export interface AccessUser {
  id: string;
  email: string;
  name: string;
  instanceAdmin: boolean;
  disabled: boolean;
  createdAt: string;
  lastSignInAt: string | null;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  kind: "personal" | "service";
  project: string | null;
  role: Role;
  /** The first characters of the secret, to recognise it (never enough to use it). */
  prefix: string;
  /** The user a personal token acts for; null for service tokens. */
  owner: { email: string; name: string } | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** A new token: the secret is in this answer only, never again. */
export interface CreatedToken {
  token: ApiToken;
  secret: string;
}

export interface CreateTokenRequest {
  name: string;
  role: Role;
  expiresInDays?: number;
}

export interface SecretItem {
  name: string;
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  actor: string;
  action: string;
  target: string;
  /** The project it concerns; null for sign-ins and accounts. */
  project: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditPage {
  items: AuditEvent[];
  nextCursor: string | null;
}

export interface CreateUserRequest {
  email: string;
  name: string;
  password: string;
  instanceAdmin?: boolean;
}

export interface UpdateUserRequest {
  name?: string;
  password?: string;
  instanceAdmin?: boolean;
  disabled?: boolean;
}

// ---------------------------------------------------------------- requests

const enc = encodeURIComponent;
const json = (method: string, body: unknown): RequestInit => ({ method, body: JSON.stringify(body) });

export const AUDIT_PAGE_SIZE = 50;

function pageQuery(cursor: string | null, limit: number): string {
  const sp = new URLSearchParams({ limit: String(limit) });
  if (cursor) sp.set("cursor", cursor);
  return `?${sp.toString()}`;
}

export const accessApi = {
  listMembers: (project: string, signal?: AbortSignal) => apiRequest<ListResponse<Member>>(`/projects/${enc(project)}/members`, { signal }),
  addMember: (project: string, body: { email: string; role: Role }) => apiRequest<Member>(`/projects/${enc(project)}/members`, json("POST", body)),
  changeMemberRole: (project: string, userId: string, role: Role) =>
    apiRequest<Member>(`/projects/${enc(project)}/members/${enc(userId)}`, json("PATCH", { role })),
  removeMember: (project: string, userId: string) => apiRequest<void>(`/projects/${enc(project)}/members/${enc(userId)}`, { method: "DELETE" }),

  /** Every token of the project, personal and service, revoked ones included. */
  listProjectTokens: (project: string, signal?: AbortSignal) => apiRequest<ListResponse<ApiToken>>(`/projects/${enc(project)}/tokens`, { signal }),
  createServiceToken: (project: string, body: CreateTokenRequest) =>
    apiRequest<CreatedToken>(`/projects/${enc(project)}/tokens`, json("POST", body)),
  revokeProjectToken: (project: string, id: string) => apiRequest<void>(`/projects/${enc(project)}/tokens/${enc(id)}`, { method: "DELETE" }),

  listPersonalTokens: (signal?: AbortSignal) => apiRequest<ListResponse<ApiToken>>("/auth/tokens", { signal }),
  createPersonalToken: (body: CreateTokenRequest & { project: string }) => apiRequest<CreatedToken>("/auth/tokens", json("POST", body)),
  revokePersonalToken: (id: string) => apiRequest<void>(`/auth/tokens/${enc(id)}`, { method: "DELETE" }),

  listSecrets: (project: string, signal?: AbortSignal) => apiRequest<ListResponse<SecretItem>>(`/projects/${enc(project)}/secrets`, { signal }),
  /** Creates or replaces a secret (the answer never holds the value). */
  putSecret: (project: string, name: string, value: string) =>
    apiRequest<SecretItem>(`/projects/${enc(project)}/secrets/${enc(name)}`, json("PUT", { value })),
  deleteSecret: (project: string, name: string) => apiRequest<void>(`/projects/${enc(project)}/secrets/${enc(name)}`, { method: "DELETE" }),

  listProjectAudit: (project: string, cursor: string | null, signal?: AbortSignal) =>
    apiRequest<AuditPage>(`/projects/${enc(project)}/audit${pageQuery(cursor, AUDIT_PAGE_SIZE)}`, { signal }),
  listInstanceAudit: (cursor: string | null, signal?: AbortSignal) => apiRequest<AuditPage>(`/audit${pageQuery(cursor, AUDIT_PAGE_SIZE)}`, { signal }),

  listUsers: (signal?: AbortSignal) => apiRequest<ListResponse<AccessUser>>("/users", { signal }),
  createUser: (body: CreateUserRequest) => apiRequest<AccessUser>("/users", json("POST", body)),
  updateUser: (id: string, body: UpdateUserRequest) => apiRequest<AccessUser>(`/users/${enc(id)}`, json("PATCH", body)),
};

// ---------------------------------------------------------------- query keys

/**
 * Keys of the access-control reads, built on the shared factory's prefixes (the signed-in user
 * and the project list live there: `queryKeys.me()`, `queryKeys.projects()`). Every
 * project-scoped read here shares the project's `access` prefix, as `queryKeys.projectDetail`
 * (the caller's role) does: a change, which also writes an audit event, refreshes all of them.
 */
export const accessKeys = {
  personalTokens: () => [...queryKeys.auth(), "tokens"] as const,

  project: (project: string) => [...queryKeys.project(project), "access"] as const,
  members: (project: string) => [...accessKeys.project(project), "members"] as const,
  projectTokens: (project: string) => [...accessKeys.project(project), "tokens"] as const,
  secrets: (project: string) => [...accessKeys.project(project), "secrets"] as const,
  /** The project's audit log, page by page (an infinite query). */
  projectAudit: (project: string) => [...accessKeys.project(project), "audit"] as const,

  instance: () => [...queryKeys.all, "instance"] as const,
  users: () => [...accessKeys.instance(), "users"] as const,
  /** Every event of the instance, page by page (an infinite query). */
  instanceAudit: () => [...accessKeys.instance(), "audit"] as const,
};

// ---------------------------------------------------------------- hooks

/** After a change to a project's access: every access read of the project (the audit log included). */
function invalidateProject(qc: QueryClient, project: string) {
  return qc.invalidateQueries({ queryKey: accessKeys.project(project) });
}

export function useMembers(project: string, enabled = true) {
  return useQuery({ queryKey: accessKeys.members(project), queryFn: ({ signal }) => accessApi.listMembers(project, signal), enabled });
}

export function useAddMember(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: { email: string; role: Role }) => accessApi.addMember(project, body),
    onSuccess: () => invalidateProject(qc, project),
  });
}

export function useChangeMemberRole(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) => accessApi.changeMemberRole(project, userId, role),
    // The caller's own role may have changed: the project list and /auth/me carry it too.
    onSuccess: () => Promise.all([invalidateProject(qc, project), qc.invalidateQueries({ queryKey: queryKeys.me() }), qc.invalidateQueries({ queryKey: queryKeys.projects() })]),
  });
}

export function useRemoveMember(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => accessApi.removeMember(project, userId),
    onSuccess: () => Promise.all([invalidateProject(qc, project), qc.invalidateQueries({ queryKey: queryKeys.me() }), qc.invalidateQueries({ queryKey: queryKeys.projects() })]),
  });
}

export function useProjectTokens(project: string, enabled = true) {
  return useQuery({ queryKey: accessKeys.projectTokens(project), queryFn: ({ signal }) => accessApi.listProjectTokens(project, signal), enabled });
}

export function useCreateServiceToken(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTokenRequest) => accessApi.createServiceToken(project, body),
    onSuccess: () => invalidateProject(qc, project),
  });
}

export function useRevokeProjectToken(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => accessApi.revokeProjectToken(project, id),
    // A personal token of the caller may be among them.
    onSuccess: () => Promise.all([invalidateProject(qc, project), qc.invalidateQueries({ queryKey: accessKeys.personalTokens() })]),
  });
}

export function usePersonalTokens() {
  return useQuery({ queryKey: accessKeys.personalTokens(), queryFn: ({ signal }) => accessApi.listPersonalTokens(signal) });
}

export function useCreatePersonalToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateTokenRequest & { project: string }) => accessApi.createPersonalToken(body),
    onSuccess: (_data, body) => Promise.all([qc.invalidateQueries({ queryKey: accessKeys.personalTokens() }), invalidateProject(qc, body.project)]),
  });
}

export function useRevokePersonalToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (token: ApiToken) => accessApi.revokePersonalToken(token.id),
    onSuccess: (_data, token) =>
      Promise.all([qc.invalidateQueries({ queryKey: accessKeys.personalTokens() }), token.project ? invalidateProject(qc, token.project) : undefined]),
  });
}

export function useSecrets(project: string, enabled = true) {
  return useQuery({ queryKey: accessKeys.secrets(project), queryFn: ({ signal }) => accessApi.listSecrets(project, signal), enabled });
}

export function usePutSecret(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, value }: { name: string; value: string }) => accessApi.putSecret(project, name, value),
    onSuccess: () => invalidateProject(qc, project),
  });
}

export function useDeleteSecret(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => accessApi.deleteSecret(project, name),
    onSuccess: () => invalidateProject(qc, project),
  });
}

export function useProjectAudit(project: string, enabled = true) {
  return useInfiniteQuery({
    queryKey: accessKeys.projectAudit(project),
    queryFn: ({ pageParam, signal }) => accessApi.listProjectAudit(project, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
}

export function useInstanceAudit(enabled = true) {
  return useInfiniteQuery({
    queryKey: accessKeys.instanceAudit(),
    queryFn: ({ pageParam, signal }) => accessApi.listInstanceAudit(pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
}

export function useUsers(enabled = true) {
  return useQuery({ queryKey: accessKeys.users(), queryFn: ({ signal }) => accessApi.listUsers(signal), enabled });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserRequest) => accessApi.createUser(body),
    onSuccess: () => qc.invalidateQueries({ queryKey: accessKeys.instance() }),
  });
}

export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateUserRequest }) => accessApi.updateUser(id, body),
    // The caller may have changed itself (its name, or its instance-admin flag).
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: accessKeys.instance() }), qc.invalidateQueries({ queryKey: queryKeys.me() })]),
  });
}
