// React access to the builder store.
import { createContext, useContext } from "react";
import { useStore } from "zustand";
import type { BuilderStore, BuilderStoreApi } from "./store";

export const BuilderContext = createContext<BuilderStoreApi | null>(null);

export function useBuilderApi(): BuilderStoreApi {
  const store = useContext(BuilderContext);
  if (!store) throw new Error("The builder store is missing (wrap in <BuilderContext value={store}>)");
  return store;
}

export function useBuilder<T>(selector: (state: BuilderStore) => T): T {
  return useStore(useBuilderApi(), selector);
}
