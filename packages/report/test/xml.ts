/**
 * A small well-formedness check for the SVG and HTML tests: tags balance, attribute
 * values are quoted, and no stray `<` or unescaped `&` appears in text. Returns the
 * problems found (empty when the markup is well formed).
 */
export function xmlProblems (markup: string): string[] {
  const problems: string[] = []
  const stack: string[] = []
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>/y
  let i = 0
  let text = ''
  while (i < markup.length) {
    const lt = markup.indexOf('<', i)
    text = lt < 0 ? markup.slice(i) : markup.slice(i, lt)
    if (/&(?!(?:amp|lt|gt|quot|#\d+);)/.test(text)) {
      problems.push(`unescaped & in text near ${JSON.stringify(text.slice(0, 40))}`)
    }
    if (lt < 0) {
      break
    }
    tag.lastIndex = lt
    const match = tag.exec(markup)
    if (match === null) {
      problems.push(`malformed tag at ${lt}: ${JSON.stringify(markup.slice(lt, lt + 60))}`)
      break
    }
    const [whole, closing, name, attrs, selfClosing] = match
    if (/&(?!(?:amp|lt|gt|quot|#\d+);)/.test(attrs ?? '')) {
      problems.push(`unescaped & in attributes of <${name}>`)
    }
    if (closing === '/') {
      const open = stack.pop()
      if (open !== name) {
        problems.push(`</${name}> closes <${open ?? 'nothing'}>`)
      }
    } else if (selfClosing !== '/') {
      stack.push(name ?? '')
    }
    i = lt + whole.length
  }
  if (stack.length > 0) {
    problems.push(`unclosed: ${stack.join(', ')}`)
  }
  return problems
}
