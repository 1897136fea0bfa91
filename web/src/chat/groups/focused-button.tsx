// `autofocus` only acts when a page loads or a dialog opens; a confirmation that replaces the
// button just pressed must take the focus itself, or keyboard users are left on a removed element.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** The "Yes, ..." of a confirmation: focused as it appears, in place of the button that asked. */
export function FocusedButton(props: { class: string; disabled: boolean; onClick: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <button ref={ref} type="button" class={props.class} disabled={props.disabled} onClick={props.onClick}>
      {props.children}
    </button>
  );
}
