/**
 * Escaping for the text formats the writers produce. Every string that comes from a report
 * (file paths, method names, messages, gate texts) can contain anything a file system or a JSONL
 * record allows, so it goes through one of these before it meets markup. Bidirectional formatting
 * characters (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C) would reorder what a reader
 * sees ("Trojan Source"): they are shown instead, as `<U+202E>`.
 */
import { showBidiControls } from './terminal';

// XML 1.0 allows TAB, LF, CR and U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF; anything else
// (other control characters, lone surrogates, U+FFFE/U+FFFF) cannot be written even as a
// character reference, so it becomes U+FFFD.
const XML_INVALID_RE = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The five markup characters as references (the apostrophe as `apos`), unwritable characters as U+FFFD. */
function escapeMarkup(s: string, apos: string): string {
  return showBidiControls(s.replace(XML_INVALID_RE, '\uFFFD'))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, apos);
}

/** Escapes text for XML element content or a double- or single-quoted attribute value. */
export function escapeXml(s: string): string {
  return escapeMarkup(s, '&apos;');
}

/**
 * Escapes text for XML attribute values: like `escapeXml`, and line breaks and tabs become
 * character references, since a parser normalizes literal ones in attributes to spaces.
 */
export function escapeXmlAttr(s: string): string {
  return escapeXml(s).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

/**
 * Escapes text for HTML content and quoted attribute values (the five characters of the OWASP
 * rule; `&#39;` because `&apos;` is not an HTML 4 entity). Control characters other than
 * whitespace become U+FFFD so a report cannot smuggle invisible markup-breaking bytes.
 */
export function escapeHtml(s: string): string {
  return escapeMarkup(s, '&#39;');
}

/**
 * Escapes text for Markdown (GitHub flavour) inline content, including table cells: markup
 * characters get a backslash, HTML-significant ones become entities (GitHub renders inline HTML),
 * and line breaks become spaces (a newline would end a table row).
 */
export function escapeMarkdown(s: string): string {
  return showBidiControls(s.replace(XML_INVALID_RE, '\uFFFD'))
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`);
}
