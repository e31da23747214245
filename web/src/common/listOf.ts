/** Admin routes may answer with a bare list or a page ({items}); accept both. */
export function listOf<T>(value: T[] | { items: T[] } | undefined | null): T[] {
  if (!value) return [];
  return Array.isArray(value) ? value : value.items;
}
