"use client";

import { artifactContentUrl } from "@/lib/api";
import type { ArtifactPreview } from "@/lib/api-types";
import { cn } from "@/lib/cn";
import { formatBytes, pluralize } from "@/lib/format";
import { useArtifactPreview } from "@/lib/queries";
import { buttonClasses } from "./ui/button";
import { ErrorMessage, Skeleton } from "./ui/feedback";
import { ArrowDownIcon } from "./ui/icons";

/** Download link of an artifact (a directory downloads as .tar), or of one file inside it. */
export function DownloadLink({
  project,
  artifactId,
  path,
  label = "Download",
  size = "sm",
  className,
  ariaLabel,
}: {
  project: string;
  artifactId: string;
  path?: string | null;
  label?: string;
  size?: "sm" | "md";
  className?: string;
  /** For an icon-only link. */
  ariaLabel?: string;
}) {
  return (
    <a
      href={artifactContentUrl(project, artifactId, path)}
      download
      className={buttonClasses("secondary", size, className)}
      data-testid="artifact-download"
      aria-label={ariaLabel}
      title={ariaLabel}
    >
      <ArrowDownIcon /> {label}
    </a>
  );
}

function Table({ preview }: { preview: Extract<ArtifactPreview, { format: "csv" | "tsv" }> }) {
  const shown = preview.rows.length;
  const total = preview.totalRows;
  return (
    <div className="space-y-1.5">
      <div className="max-h-[28rem] overflow-auto rounded-lg border border-slate-200">
        <table className="min-w-full text-left font-mono text-xs" data-testid="artifact-preview-table">
          <thead className="sticky top-0 bg-slate-50 text-slate-600">
            <tr>
              <th className="border-b border-slate-200 px-2 py-1.5 text-right font-normal text-slate-400">#</th>
              {preview.columns.map((c, i) => (
                <th key={i} className="border-b border-slate-200 px-2.5 py-1.5 font-semibold whitespace-nowrap">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100 bg-white">
            {preview.rows.map((row, r) => (
              <tr key={r} className="hover:bg-slate-50">
                <td className="px-2 py-1 text-right text-slate-400 tabular-nums">{r + 1}</td>
                {row.map((cell, c) => (
                  <td key={c} className="max-w-[24rem] truncate px-2.5 py-1 whitespace-nowrap text-slate-800" title={cell}>
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="text-xs text-slate-500">
        {shown === 0
          ? "The file has a header but no rows."
          : total !== null && total > shown
            ? `First ${shown} of ${total.toLocaleString()} rows.`
            : preview.truncated
              ? `First ${shown} rows.`
              : `All ${pluralize(shown, "row")}.`}{" "}
        {preview.columns.length} columns · {preview.format.toUpperCase()}
      </p>
    </div>
  );
}

/** The preview of one artifact (or of one file of a directory): a table, JSON, text, an image, or what it is. */
export function ArtifactPreviewView({
  project,
  artifactId,
  path = null,
  onOpenPath,
  className,
}: {
  project: string;
  artifactId: string;
  path?: string | null;
  /** A directory lists its files; picking one previews it. */
  onOpenPath?: (path: string) => void;
  className?: string;
}) {
  const preview = useArtifactPreview(project, artifactId, path);
  if (preview.isPending) {
    return (
      <div className={cn("space-y-2", className)} aria-busy="true" aria-label="Loading preview">
        <Skeleton className="h-4 w-1/3" />
        <Skeleton className="h-32 w-full" />
      </div>
    );
  }
  if (preview.error) return <ErrorMessage error={preview.error} className={className} />;
  const p = preview.data;
  return (
    <div className={className} data-testid="artifact-preview" data-format={p.format}>
      {p.format === "csv" || p.format === "tsv" ? (
        <Table preview={p} />
      ) : p.format === "json" ? (
        <pre className="max-h-[28rem] overflow-auto rounded-lg bg-slate-900 px-3 py-2.5 font-mono text-xs leading-relaxed text-slate-100">
          {JSON.stringify(p.value, null, 2)}
        </pre>
      ) : p.format === "text" ? (
        <div className="space-y-1.5">
          {p.text.length === 0 ? (
            <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">Empty file.</p>
          ) : (
            <pre className="max-h-[28rem] overflow-auto rounded-lg border border-slate-200 bg-white px-3 py-2.5 font-mono text-xs leading-relaxed whitespace-pre-wrap text-slate-800">
              {p.text}
            </pre>
          )}
          {p.truncated ? <p className="text-xs text-slate-500">The first {formatBytes(new TextEncoder().encode(p.text).length)} of {formatBytes(p.size)}.</p> : null}
        </div>
      ) : p.format === "image" ? (
        <div className="flex justify-center rounded-lg border border-slate-200 bg-[repeating-conic-gradient(#f1f5f9_0%_25%,#fff_0%_50%)] bg-[length:16px_16px] p-3">
          {/* A plain <img>: the bytes come through the API proxy, next/image could not optimise them. */}
          <img src={artifactContentUrl(project, artifactId, path)} alt={path ?? "artifact image"} className="max-h-[28rem] max-w-full object-contain" />
        </div>
      ) : p.format === "directory" ? (
        <div className="space-y-1.5">
          <ul className="max-h-[28rem] divide-y divide-slate-100 overflow-auto rounded-lg border border-slate-200 bg-white" data-testid="artifact-files">
            {p.files.map((f) => (
              <li key={f.path} className="flex items-center justify-between gap-3 px-3 py-1.5 text-xs">
                {onOpenPath ? (
                  <button type="button" className="truncate text-left font-mono text-indigo-700 hover:underline" onClick={() => onOpenPath(f.path)} title={`Preview ${f.path}`}>
                    {f.path}
                  </button>
                ) : (
                  <span className="truncate font-mono text-slate-800">{f.path}</span>
                )}
                <span className="flex shrink-0 items-center gap-2 text-slate-500 tabular-nums">
                  {formatBytes(f.size)}
                  <a href={artifactContentUrl(project, artifactId, f.path)} download className="text-slate-400 hover:text-slate-700" aria-label={`Download ${f.path}`}>
                    <ArrowDownIcon />
                  </a>
                </span>
              </li>
            ))}
          </ul>
          <p className="text-xs text-slate-500">
            {p.fileCount > p.files.length ? `First ${p.files.length} of ${pluralize(p.fileCount, "file")}.` : pluralize(p.fileCount, "file")} · {formatBytes(p.size)} in all
          </p>
        </div>
      ) : (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-6 text-center text-sm text-slate-500">
          No preview for <span className="font-mono">{p.mediaType}</span> ({formatBytes(p.size)}). Download it to look inside.
        </p>
      )}
    </div>
  );
}
