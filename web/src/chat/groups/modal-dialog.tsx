// A modal dialog on the native <dialog> element: showModal() makes the rest of the page inert,
// keeps Tab inside, and turns Escape into a `cancel` event, so focus handling is the browser's own.
// What is left to us: open and close it from props, name it by its heading, and make sure focus
// goes back to whatever opened it when it closes.
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import './groups.css';

export function ModalDialog({
  title,
  onClose,
  children,
  className,
}: {
  title: string;
  /** Escape, the close button, or a click on the backdrop. The owner unmounts the dialog. */
  onClose: () => void;
  children: ComponentChildren;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const headingId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.showModal();
    // Escape: the dialog stays open until its owner unmounts it, so state and DOM agree.
    const cancel = (event: Event) => {
      event.preventDefault();
      onCloseRef.current();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      dialog.close();
      // Back where the person was (the button that opened it), if that is still on the page.
      // Current browsers' close() does this for a modal too; older ones leave focus on <body>.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    <dialog
      ref={ref}
      class={`chat-dialog ${className ?? ''}`}
      aria-labelledby={headingId}
      // A click on the backdrop lands on the <dialog> itself, never on its content.
      onClick={(event) => {
        if (event.target === ref.current) onCloseRef.current();
      }}
    >
      <div class="chat-dialog__body">
        <header class="chat-dialog__header">
          <h2 id={headingId}>{title}</h2>
          <button type="button" class="chat-dialog__close" aria-label="Close" onClick={() => onCloseRef.current()}>
            ×
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
