/**
 * A state that says what is wrong and what to do about it: a heading, the explanation, and links
 * or buttons for the next step. Used for unknown entries, a missing registry, an unreachable chain
 * and content no gateway serves.
 */
import type { ReactNode } from "react";

export function Problem({
  title,
  children,
  actions,
  testId,
  tone = "error",
}: {
  title: string;
  children?: ReactNode;
  actions?: ReactNode;
  testId?: string;
  tone?: "error" | "notice";
}) {
  return (
    <div className={`problem ${tone}`} role={tone === "error" ? "alert" : "status"} data-testid={testId}>
      <h2>{title}</h2>
      {children}
      {actions && <p className="problem-actions">{actions}</p>}
    </div>
  );
}

/** Reloads the page: the next step when a read failed for a reason that may pass (a node restarting, a network blip). */
export function TryAgainButton() {
  return (
    <button type="button" onClick={() => window.location.reload()}>
      Try again
    </button>
  );
}

/** A read that failed for a reason the app can't name more precisely: the error as given, and Try again. */
export function ErrorBox({ title, error, testId }: { title: string; error: string; testId: string }) {
  return (
    <Problem title={title} testId={testId} actions={<TryAgainButton />}>
      <p className="wrap">{error}</p>
    </Problem>
  );
}
