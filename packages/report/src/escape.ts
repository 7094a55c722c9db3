const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

/** Escapes text for HTML or XML element content and quoted attribute values. */
export function escapeHtml (text: unknown): string {
  return String(text).replace(/[&<>"']/g, ch => HTML_ESCAPES[ch] ?? ch)
}

/**
 * JSON safe to put inside a `<script type="application/json">` element: no `<`, `>` or
 * `&` survives (they become `\u003c` and so on, which JSON.parse reads back unchanged),
 * so no value can close the element or open a comment.
 */
export function jsonForScript (value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** Code safe to inline in a `<script>` element: a `</script` inside it is broken up. */
export function scriptText (code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--')
}

/** CSS safe to inline in a `<style>` element. */
export function styleText (css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1')
}
