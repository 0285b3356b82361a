import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

/** A time as the operator reads it (local, to the second). */
export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');

/** The message of an error, with the problem code when the API gave one. */
export const messageOf = (error: unknown) =>
  error instanceof ApiError ? `${error.message} (${error.code})` : String((error as Error)?.message ?? error);

/** Loads data when `deps` change; `reload` fetches again. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const run = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error: unknown) => setState({ error, loading: false }),
    );
  }, deps);
  useEffect(run, [run]);
  return { ...state, reload: run };
}

/** What an empty list says: what it shows, and what to do next. */
export function Empty(props: { title: string; children: ComponentChildren }) {
  return (
    <div class="empty" role="status">
      <p class="empty-title">{props.title}</p>
      <p>{props.children}</p>
    </div>
  );
}

/** An error message, announced to screen readers. */
export function Alert(props: { error: unknown }) {
  if (!props.error) return null;
  return (
    <p class="alert" role="alert">
      {messageOf(props.error)}
    </p>
  );
}

/** A notice of something done, announced politely. */
export function Notice(props: { text: string | undefined }) {
  return (
    <p class="notice" role="status" aria-live="polite">
      {props.text ?? ''}
    </p>
  );
}

/** A status as a labelled badge. */
export function Badge(props: { value: string }) {
  return <span class={`badge badge-${props.value}`}>{props.value}</span>;
}

/** A page's title and intro. */
export function PageHeader(props: { title: string; children?: ComponentChildren }) {
  return (
    <header class="page-header">
      <h1 id="page-title" tabIndex={-1}>
        {props.title}
      </h1>
      {props.children ? <p class="intro">{props.children}</p> : null}
    </header>
  );
}

/** A side panel dialog: focus moves in when it opens, Escape closes it, focus returns to the opener. */
export function Drawer(props: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('h2')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onClose();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      opener?.focus();
    };
  }, [props.onClose]);
  return (
    <div class="drawer-backdrop">
      <div class="drawer" role="dialog" aria-modal="true" aria-labelledby="drawer-title" ref={ref}>
        <div class="drawer-head">
          <h2 id="drawer-title" tabIndex={-1}>
            {props.title}
          </h2>
          <button type="button" class="ghost" onClick={props.onClose} aria-label="Close details">
            ✕
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}

/** JSON shown as a block. */
export function Json(props: { value: unknown; label: string }) {
  return (
    <section aria-label={props.label}>
      <pre class="json">{JSON.stringify(props.value, null, 2) ?? 'null'}</pre>
    </section>
  );
}

/** A scrollable table, captioned for screen readers: `columns` head it (null/false skipped), children are its rows. */
export function Table(props: { caption: string; columns: ComponentChildren[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((header, i) =>
              header === null || header === undefined || header === false ? null : (
                // A column's place is fixed per page, so its index is a stable key.
                <th key={i} scope="col">
                  {header}
                </th>
              ),
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** A list's states: "Loading…" until its first rows arrive, then `empty` if it has none, else its table (children). */
export function ListState(props: {
  loading?: boolean;
  count: number;
  empty: ComponentChildren;
  children: ComponentChildren;
}) {
  if (props.loading && !props.count) return <p class="muted">Loading…</p>;
  return props.count === 0 ? props.empty : props.children;
}

/** The "Load more" button of a paged list, shown only while there is a next page. */
export function LoadMore(props: { more: boolean; onMore: () => unknown }) {
  return props.more ? (
    <button type="button" class="ghost" onClick={() => props.onMore()}>
      Load more
    </button>
  ) : null;
}
