declare module 'another-json' {
  /** Matrix canonical JSON: keys sorted, no insignificant whitespace. */
  export function stringify(value: unknown): string;
  const anotherJson: { stringify(value: unknown): string };
  export default anotherJson;
}
