/**
 * Finding machine paths in artifacts: the same rule as the trainer's export
 * (trainer/embolus_trainer/export.py `absolute_paths`), so a test fails wherever one slips in.
 */

/** An absolute path (POSIX, two segments or more, or under ~; or a Windows drive) after a separator. */
const ABSOLUTE_PATH = /(?:^|[\s"'(=:,;])(?:~?\/[\w.@+-]+){2,}|\b[A-Za-z]:[\\/]\w/;

/** The dotted keys of every string in a JSON-like value that holds an absolute path. */
export function absolutePaths(value: unknown, where = ''): string[] {
  if (typeof value === 'string') return ABSOLUTE_PATH.test(value) ? [where || '.'] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => absolutePaths(v, `${where}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => absolutePaths(v, where ? `${where}.${k}` : k));
  return [];
}

/** The lines of a text file that hold an absolute path, as "line N". */
export function absolutePathLines(text: string): string[] {
  return text.split('\n').flatMap((line, i) => (ABSOLUTE_PATH.test(line) ? [`line ${i + 1}`] : []));
}
