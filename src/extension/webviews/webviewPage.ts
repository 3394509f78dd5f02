// The page shell every scripted webview panel uses: resources only from dist/ and media/, a CSP that runs
// only our one script (by nonce), and the panel's own body. Panels differ only in title, script, styles
// and body.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export interface PageParts {
  title: string;
  /** Extension-relative path of the script, e.g. ['dist', 'webview.js']. */
  script: string[];
  /** Extension-relative paths of the style sheets, in order. */
  styles: string[][];
  /** Trusted, static markup (never data: the script renders data with textContent). */
  body: string;
}

export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, parts: PageParts): string {
  const nonce = randomBytes(16).toString('base64');
  const uri = (path: string[]): vscode.Uri => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...path));
  const links = parts.styles.map((p) => `<link rel="stylesheet" href="${uri(p)}">`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${webview.cspSource} data:; style-src ${webview.cspSource} 'unsafe-inline'; font-src ${webview.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${links}
<title>${parts.title}</title></head>
<body>
${parts.body}
<script nonce="${nonce}" src="${uri(parts.script)}"></script>
</body></html>`;
}
