// `autofocus` only acts when a page loads or a dialog opens; a confirmation that replaces the
// button just pressed must take the focus itself, or keyboard users are left on a removed element.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/**
 * A button focused as it appears: the "Yes, ..." of a confirmation in place of the button that
 * asked, and that button again when the confirmation is declined.
 */
export function FocusedButton(props: {
  class?: string;
  label?: string;
  disabled: boolean;
  onClick: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <button ref={ref} type="button" class={props.class} aria-label={props.label} disabled={props.disabled} onClick={props.onClick}>
      {props.children}
    </button>
  );
}
