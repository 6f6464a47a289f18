import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto flex max-w-md flex-col items-center px-6 py-24 text-center">
      <p className="font-mono text-sm font-semibold text-indigo-600">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight text-slate-900">Page not found</h1>
      <p className="mt-2 text-sm text-slate-500">The page you are looking for doesn&apos;t exist or was moved.</p>
      <Link href="/" className="mt-6 text-sm font-medium text-indigo-600 hover:underline">
        Go to your projects
      </Link>
    </div>
  );
}
