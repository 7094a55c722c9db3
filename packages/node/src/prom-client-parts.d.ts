/**
 * prom-client's CommonJS modules, loaded one by one instead of through its index (see
 * metrics.ts); each exports one value, typed there from prom-client's own declarations.
 */
declare module 'prom-client/lib/*.js' {
  const value: unknown
  export default value
}
