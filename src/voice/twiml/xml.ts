/**
 * Strict XML for TwiML documents: well-formedness is checked by fast-xml-parser's validator, the tree is read with
 * `preserveOrder` (verbs run in document order), and what the validator lets through but XML 1.0 forbids is
 * rejected here: more than one root element, text outside the root, undeclared entities. Entities are decoded here
 * (only the five predefined ones and character references, XML 1.0 §4.1/§4.6), and DOCTYPE declarations are refused,
 * so a document can never expand entities of its own.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface XmlElement {
  readonly type: 'element';
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

export interface XmlText {
  readonly type: 'text';
  readonly text: string;
}

export type XmlNode = XmlElement | XmlText;

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; reason: string };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
});

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

class XmlSyntaxError extends Error {}

/** Decodes predefined entities and character references; anything else is not well-formed without a DTD. */
function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) throw new XmlSyntaxError(`unterminated entity reference '${whole}'`);
    if (ref in PREDEFINED) return PREDEFINED[ref];
    const m = /^#(x[0-9a-fA-F]+|[0-9]+)$/.exec(ref);
    if (m) {
      const cp = m[1].startsWith('x') ? parseInt(m[1].slice(1), 16) : parseInt(m[1], 10);
      // XML 1.0 §2.2 Char production.
      const legal = cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
      if (!legal) throw new XmlSyntaxError(`character reference '${whole}' is not a legal XML character`);
      return String.fromCodePoint(cp);
    }
    throw new XmlSyntaxError(`undeclared entity '${whole}'`);
  });
}

type Raw = Record<string, unknown>;

function convert(nodes: unknown): XmlNode[] {
  const out: XmlNode[] = [];
  if (!Array.isArray(nodes)) return out;
  for (const node of nodes as Raw[]) {
    const keys = Object.keys(node).filter((k) => k !== ':@');
    const key = keys[0];
    if (key === undefined || key === '#comment') continue;
    if (key === '#text') {
      const raw = String(node['#text']);
      // XML 1.0 §2.4: ']]>' may not appear in character data.
      if (raw.includes(']]>')) throw new XmlSyntaxError("']]>' in character data");
      out.push({ type: 'text', text: decodeEntities(raw) });
      continue;
    }
    if (key === '#cdata') {
      // XML 1.0 §2.7: CDATA content is literal; no entity decoding.
      const parts = node['#cdata'];
      const text = Array.isArray(parts) ? parts.map((p) => String((p as Raw)['#text'] ?? '')).join('') : String(parts);
      out.push({ type: 'text', text });
      continue;
    }
    const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
    const attributes: Record<string, string> = {};
    for (const [name, value] of Object.entries(rawAttrs)) {
      // XML 1.0 §3.1 AttValue: no '<' in attribute values.
      if (String(value).includes('<')) throw new XmlSyntaxError(`'<' in the value of attribute ${name}`);
      attributes[name] = decodeEntities(String(value));
    }
    out.push({ type: 'element', name: key, attributes, children: convert(node[key]) });
  }
  return out;
}

export function parseXml(text: string): XmlParseResult {
  // XML 1.0 §2.8: the declaration, if any, comes first — even whitespace before it is an error (reference §3.1).
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (/<!DOCTYPE/i.test(body)) return { ok: false, reason: 'DOCTYPE declarations are not accepted in TwiML' };
  const valid = XMLValidator.validate(body, { allowBooleanAttributes: false });
  if (valid !== true) return { ok: false, reason: `${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})` };
  try {
    const nodes = convert(parser.parse(body));
    const elements = nodes.filter((n): n is XmlElement => n.type === 'element');
    if (elements.length !== 1) return { ok: false, reason: `a document has exactly one root element, found ${elements.length}` };
    if (nodes.some((n) => n.type === 'text' && n.text.trim() !== '')) return { ok: false, reason: 'text outside the root element' };
    return { ok: true, root: elements[0] };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The concatenated text of an element and its descendants (SSML inside `<Say>` reads as its text). */
export function textContent(node: XmlNode): string {
  if (node.type === 'text') return node.text;
  return node.children.map(textContent).join('');
}

/** Direct text of an element, ignoring child elements. */
export function ownText(el: XmlElement): string {
  return el.children.map((c) => (c.type === 'text' ? c.text : '')).join('');
}
