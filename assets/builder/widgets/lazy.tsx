// CodeMirror-backed fields load on demand (separate chunks per language), keeping the first load small.
import { lazy, Suspense, type ComponentType } from "react";
import type { FieldProps } from "../schemaForm/types";

function Loading({ label }: { label: string }) {
  return <div className="skeleton h-16 w-full" aria-label={`Loading the ${label} editor`} />;
}

function suspended(Component: ComponentType<FieldProps>) {
  return function Suspended(props: FieldProps) {
    return (
      <Suspense fallback={<Loading label={props.label} />}>
        <Component {...props} />
      </Suspense>
    );
  };
}

export const PromptField = suspended(lazy(() => import("./TextEditors").then((module) => ({ default: module.PromptField }))));

const PythonCode = lazy(async () => {
  const [{ CodeField }, { pythonExtensions }] = await Promise.all([import("./TextEditors"), import("./lang/python")]);
  return { default: (props: FieldProps) => <CodeField {...props} extensions={pythonExtensions} languageName="Python" /> };
});

const JinjaCode = lazy(async () => {
  const [{ CodeField }, { jinjaExtensions }] = await Promise.all([import("./TextEditors"), import("./lang/jinja")]);
  return { default: (props: FieldProps) => <CodeField {...props} extensions={jinjaExtensions} languageName="Jinja" /> };
});

const SuspendedPython = suspended(PythonCode);
const SuspendedJinja = suspended(JinjaCode);

export function CodeField(props: FieldProps) {
  return props.hint?.language === "jinja" ? <SuspendedJinja {...props} /> : <SuspendedPython {...props} />;
}

export const JsonEditor = suspended(lazy(() => import("./JsonEditor").then((module) => ({ default: module.JsonEditor }))));
