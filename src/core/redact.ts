// Removes passwords from text before it reaches a log, a message or the webview. Dependency-free so the
// extension can load it at activation.

/** Replaces any password in a URL (and in `password=` key/value strings) with `***`. */
export function redactUrl(text: string): string {
  return text
    .replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]*@/gi, '$1***@')
    .replace(/(password\s*=\s*)('[^']*'|\S+)/gi, '$1***');
}
