/**
 * The small HTML pages the public links open (preferences, rep actions): one style, a strict CSP
 * that allows that style only, and headers that keep the token in the URL to this page alone.
 */
import { createHash } from 'node:crypto';
import type { APIGatewayProxyResult } from 'aws-lambda';

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1f}' +
  'h1{font-size:1.4rem}label{display:block;margin:.4rem 0}.note{color:#555}' +
  'button{font:inherit;padding:.5rem 1rem;margin:.5rem .5rem 0 0;cursor:pointer}';
const CSP =
  `default-src 'none'; style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'; ` +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // The token in the URL is a credential: never send it on as a referrer, never cache the page.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex',
};

/** Escapes text for an HTML element body or a quoted attribute. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A whole page; `body` is already escaped HTML; `lang` is the language it is written in. */
export function page(
  statusCode: number,
  title: string,
  body: string,
  headers: Record<string, string> = {},
  lang = 'en',
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { ...PAGE_HEADERS, 'content-language': lang, ...headers },
    body:
      `<!doctype html><html lang="${escapeHtml(lang)}"><head><meta charset="utf-8">` +
      '<meta name="viewport" content="width=device-width,initial-scale=1">' +
      `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
      `<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`,
  };
}

export function paragraph(text: string, className?: string): string {
  return `<p${className ? ` class="${className}"` : ''}>${escapeHtml(text)}</p>`;
}

export function errorPage(
  statusCode: number,
  title: string,
  message: string,
  headers?: Record<string, string>,
) {
  return page(statusCode, title, paragraph(message), headers);
}
