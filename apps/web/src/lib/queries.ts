"use client";

import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api } from "./api";
import type { RunDetail, RunListFilters, StartRunRequest } from "./api-types";
import { isActiveRunStatus } from "./api-types";
import { queryKeys } from "./query-keys";

/** Run detail polling interval while the run is queued/running. */
export const RUN_POLL_MS = 1000;
/** Runs list refresh interval while any visible run is queued/running. */
export const RUN_LIST_POLL_MS = 3000;
export const RUNS_PAGE_SIZE = 50;

export function useProjects() {
  return useQuery({
    queryKey: queryKeys.projects(),
    queryFn: ({ signal }) => api.listProjects(signal),
    staleTime: 60_000,
  });
}

export function usePipelines(project: string) {
  return useQuery({
    queryKey: queryKeys.pipelines(project),
    queryFn: ({ signal }) => api.listPipelines(project, signal),
  });
}

export function usePipeline(project: string, name: string | null) {
  return useQuery({
    queryKey: queryKeys.pipeline(project, name ?? ""),
    queryFn: ({ signal }) => api.getPipeline(project, name!, signal),
    enabled: !!name,
  });
}

export function usePipelineVersion(project: string, name: string | null, version: number | null) {
  return useQuery({
    queryKey: queryKeys.pipelineVersion(project, name ?? "", version ?? 0),
    queryFn: ({ signal }) => api.getPipelineVersion(project, name!, version!, signal),
    enabled: !!name && version !== null,
    // A pushed version is immutable.
    staleTime: Infinity,
  });
}

export function useRunList(project: string, filters: RunListFilters, cursor: string | null) {
  return useQuery({
    queryKey: queryKeys.runList(project, filters, cursor, RUNS_PAGE_SIZE),
    queryFn: ({ signal }) => api.listRuns(project, filters, { cursor, limit: RUNS_PAGE_SIZE }, signal),
    // Keep showing the previous page while the next one (or a new filter) loads: no table flash.
    placeholderData: keepPreviousData,
    // Only poll while something on *this* page can still change; one page = at most 50 rows.
    refetchInterval: (q) =>
      q.state.data?.items.some((r) => isActiveRunStatus(r.status)) ? RUN_LIST_POLL_MS : false,
  });
}

export function useRun(project: string, id: string) {
  return useQuery({
    queryKey: queryKeys.run(project, id),
    queryFn: ({ signal }) => api.getRun(project, id, signal),
    // Poll every second while queued/running; returning false stops polling once terminal.
    refetchInterval: (q) => {
      const status = q.state.data?.status;
      return status && isActiveRunStatus(status) ? RUN_POLL_MS : false;
    },
    refetchIntervalInBackground: false,
  });
}

export function useStartRun(project: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: StartRunRequest) => api.startRun(project, body),
    onSuccess: (run: RunDetail) => {
      qc.setQueryData(queryKeys.run(project, run.id), run);
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
      // lastRun on the pipelines list changed.
      void qc.invalidateQueries({ queryKey: queryKeys.pipelines(project) });
    },
  });
}

export function useCancelRun(project: string, id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.cancelRun(project, id),
    onSuccess: (run: RunDetail) => {
      qc.setQueryData(queryKeys.run(project, id), run);
      void qc.invalidateQueries({ queryKey: queryKeys.runLists(project) });
    },
    onError: () => {
      // 409 means it finished meanwhile: refresh so the header shows the real status.
      void qc.invalidateQueries({ queryKey: queryKeys.run(project, id) });
    },
  });
}
