// Renaming a group (admins): the current name to edit, sent only when it changed.
import { useId, useState } from 'preact/hooks';

/** The group's name, for admins: 1 to 100 characters (the server trims and checks). */
export function RenameForm({ title, busy, onRename }: { title: string; busy: boolean; onRename: (title: string) => void }) {
  const id = useId();
  const [value, setValue] = useState(title);
  const changed = value.trim() !== '' && value.trim() !== title;
  return (
    <form
      class="group-form group-form--inline"
      onSubmit={(event) => {
        event.preventDefault();
        if (changed) onRename(value.trim());
      }}
    >
      <label for={id}>Group name</label>
      <input id={id} required maxLength={100} value={value} onInput={(event) => setValue(event.currentTarget.value)} />
      <button type="submit" disabled={busy || !changed}>
        Rename
      </button>
    </form>
  );
}
