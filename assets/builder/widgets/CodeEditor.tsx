// A CodeMirror 6 editor as a controlled React component.
import { lintGutter } from "@codemirror/lint";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, lineNumbers, placeholder as placeholderExt } from "@codemirror/view";
import { minimalSetup } from "codemirror";
import { useEffect, useRef } from "react";

interface Props {
  id: string;
  value: string;
  onChange: (value: string) => void;
  extensions: Extension[];
  readOnly?: boolean;
  label: string;
  describedBy?: string;
  gutter?: boolean;
  placeholder?: string;
}

export function CodeEditor({ id, value, onChange, extensions, readOnly, label, describedBy, gutter, placeholder }: Props) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  const editable = useRef(new Compartment());

  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  useEffect(() => {
    if (!host.current) return;
    const compartment = editable.current;
    const state = EditorState.create({
      doc: value,
      extensions: [
        minimalSetup,
        EditorView.lineWrapping,
        gutter ? [lineNumbers(), lintGutter()] : [],
        placeholder ? placeholderExt(placeholder) : [],
        compartment.of([EditorState.readOnly.of(Boolean(readOnly)), EditorView.editable.of(!readOnly)]),
        EditorView.contentAttributes.of({
          "aria-label": label,
          id: `${id}-content`,
          ...(describedBy ? { "aria-describedby": describedBy } : {}),
        }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChangeRef.current(update.state.doc.toString());
        }),
        ...extensions,
      ],
    });
    view.current = new EditorView({ state, parent: host.current });
    return () => {
      view.current?.destroy();
      view.current = null;
    };
    // The editor is created once per field; value and readOnly changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, extensions]);

  useEffect(() => {
    const current = view.current;
    if (current && current.state.doc.toString() !== value) {
      current.dispatch({ changes: { from: 0, to: current.state.doc.length, insert: value } });
    }
  }, [value]);

  useEffect(() => {
    view.current?.dispatch({
      effects: editable.current.reconfigure([
        EditorState.readOnly.of(Boolean(readOnly)),
        EditorView.editable.of(!readOnly),
      ]),
    });
  }, [readOnly]);

  return (
    <div
      ref={host}
      id={id}
      data-testid={`code-${id}`}
      className="cm-host rounded-box border border-base-300 bg-base-100 text-sm focus-within:outline-2 focus-within:outline-primary"
    />
  );
}
