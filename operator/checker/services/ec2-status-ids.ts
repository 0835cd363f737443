// Reading only the instance ids and the next token from a DescribeInstanceStatus answer.
// An inventory without a tag filter needs nothing else, and the SDK's XML parser and
// de-serialiser cost most of its time on a large estate. This reader is exact or fails:
// it checks that every element of the answer is closed in order, reads the ids of the
// top-level instanceStatusSet items only (never the nested `<details><item>` or
// `<eventsSet><item>`), and refuses what it cannot read completely — a truncated answer,
// a missing end tag, an item without an instanceId, a shape it does not expect — so a
// listing is never counted short.

/** StatusIds is what an inventory needs from one DescribeInstanceStatus page. */
export interface StatusIds {
  readonly instanceIds: readonly string[];
  /** The token of the next page; absent (or empty, as the paginator treats it) on the last. */
  readonly nextToken?: string;
}

/** AnswerShapeError says why an answer cannot be read exactly; its code is the error code. */
export class AnswerShapeError extends Error {
  override readonly name = 'AnswerShapeError';
  readonly code: 'UnparseableAnswer' | 'IncompleteAnswer';

  constructor(code: AnswerShapeError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

const ROOT = 'DescribeInstanceStatusResponse';
const SET = 'instanceStatusSet';
// Character codes of `>`, `/`, `?` and `!`.
const GT = 62;
const SLASH = 47;
const QUESTION = 63;
const BANG = 33;

// XML's whitespace: space, tab, line feed, carriage return.
const isSpace = (code: number): boolean => code === 32 || code === 9 || code === 10 || code === 13;
// Names as AWS writes them (ASCII letters, digits, `_ : - .`); anything else is refused.
const isNameStart = (code: number): boolean =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58;
const isNameChar = (code: number): boolean =>
  isNameStart(code) || (code >= 48 && code <= 57) || code === 45 || code === 46;
const SPACE = /^\s*$/;
const ENTITY = /&(?:(lt|gt|amp|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));|&/g;
const NAMED: Readonly<Record<string, string>> = {
  lt: '<',
  gt: '>',
  amp: '&',
  quot: '"',
  apos: "'",
};

const unparseable = (why: string): AnswerShapeError =>
  new AnswerShapeError('UnparseableAnswer', `the DescribeInstanceStatus answer ${why}`);

function decodeEntity(whole: string, name?: string, dec?: string, hex?: string): string {
  if (name !== undefined) return NAMED[name] ?? whole;
  const code = dec !== undefined ? Number(dec) : hex !== undefined ? parseInt(hex, 16) : NaN;
  if (!Number.isInteger(code) || code > 0x10ffff) throw unparseable(`has a bad entity ${whole}`);
  return String.fromCodePoint(code);
}

/** decodeText resolves XML's predefined and numeric entities; any other `&` is malformed. */
export function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(ENTITY, (whole, name?: string, dec?: string, hex?: string) => {
    if (whole === '&') throw unparseable('has an unescaped "&"');
    return decodeEntity(whole, name, dec, hex);
  });
}

/** What the reader collects for the element it is in: only the ones it reads have one. */
type Capture = 'nextToken' | 'instanceId' | undefined;

/**
 * StatusReader walks an answer's tags once. `open` is the stack of element names; the
 * item being read keeps its instanceId; text is kept only for the two captured elements.
 */
class StatusReader {
  private readonly xml: string;
  private at = 0;
  private readonly open: string[] = [];
  private rootSeen = false;
  private setSeen = false;
  private tokenSeen = false;
  private capture: Capture;
  private text = '';
  private itemId: string | undefined;
  readonly instanceIds: string[] = [];
  nextToken: string | undefined;

  constructor(xml: string) {
    this.xml = xml;
  }

  read(): StatusIds {
    for (;;) {
      const lt = this.xml.indexOf('<', this.at);
      this.takeText(lt === -1 ? this.xml.length : lt);
      if (lt === -1) break;
      this.at = lt;
      this.markup();
    }
    if (this.open.length > 0)
      throw unparseable(`is truncated: </${this.open.at(-1) ?? ''}> is missing`);
    if (!this.rootSeen) throw unparseable(`has no ${ROOT} element`);
    if (!this.setSeen)
      throw new AnswerShapeError(
        'IncompleteAnswer',
        `ec2:DescribeInstanceStatus answered without ${SET}`,
      );
    return {
      instanceIds: this.instanceIds,
      ...(this.nextToken !== undefined && this.nextToken !== '' && { nextToken: this.nextToken }),
    };
  }

  // Text between tags: kept inside a captured element; where the reader looks (outside
  // the root, in the root, the set and its items) only whitespace, as AWS sends it.
  // Elsewhere it is skipped unread, which keeps the reader from copying the answer.
  private takeText(end: number): void {
    if (this.capture !== undefined) this.text += this.xml.slice(this.at, end);
    else if (end > this.at && this.strictHere()) this.onlySpace(this.at, end);
    this.at = end;
  }

  private onlySpace(from: number, end: number): void {
    for (let at = from; at < end; at += 1) {
      if (!isSpace(this.xml.charCodeAt(at)))
        throw unparseable(`has unexpected text "${this.xml.slice(at, end).trim().slice(0, 40)}"`);
    }
  }

  private strictHere(): boolean {
    return this.open.length <= 1 || (this.open.length <= 3 && this.open[1] === SET);
  }

  private until(end: string, what: string): number {
    const found = this.xml.indexOf(end, this.at);
    if (found === -1) throw unparseable(`is truncated inside ${what}`);
    return found + end.length;
  }

  private markup(): void {
    const next = this.xml.charCodeAt(this.at + 1);
    if (next === SLASH) this.endTag();
    else if (next === QUESTION) this.at = this.until('?>', 'a processing instruction');
    else if (next === BANG) this.declaration();
    else this.startTag();
  }

  private declaration(): void {
    const xml = this.xml;
    if (xml.startsWith('<!--', this.at)) this.at = this.until('-->', 'a comment');
    else if (xml.startsWith('<![CDATA[', this.at)) this.cdata();
    else if (this.at + 9 >= xml.length) throw unparseable('is truncated inside a declaration');
    else throw unparseable('has a document type or declaration');
  }

  private cdata(): void {
    const start = this.at + '<![CDATA['.length;
    this.at = this.until(']]>', 'a CDATA section');
    // CDATA is literal: escaped here so that decodeText gives it back unchanged.
    const raw = this.xml.slice(start, this.at - 3);
    if (this.capture !== undefined) this.text += raw.replaceAll('&', '&amp;');
    else if (this.strictHere() && !SPACE.test(raw))
      throw unparseable(`has unexpected text "${raw.trim().slice(0, 40)}"`);
  }

  private nameEnd(from: number): number {
    let at = from;
    while (at < this.xml.length && isNameChar(this.xml.charCodeAt(at))) at += 1;
    if (at === from || !isNameStart(this.xml.charCodeAt(from)))
      throw unparseable(
        at >= this.xml.length ? 'is truncated inside a tag' : 'has a malformed tag',
      );
    return at;
  }

  private skipSpace(from: number): number {
    let at = from;
    while (at < this.xml.length && isSpace(this.xml.charCodeAt(at))) at += 1;
    return at;
  }

  // Attributes are checked for form only (quoted values may hold `>`); none is read.
  private tagEnd(from: number): { end: number; empty: boolean } {
    const xml = this.xml;
    let at = from;
    for (;;) {
      at = this.skipSpace(at);
      if (at >= xml.length) throw unparseable('is truncated inside a tag');
      const code = xml.charCodeAt(at);
      if (code === GT) return { end: at + 1, empty: false };
      if (code === SLASH && xml.charCodeAt(at + 1) === GT) return { end: at + 2, empty: true };
      at = this.attribute(at);
    }
  }

  private attribute(from: number): number {
    const xml = this.xml;
    const eq = this.nameEnd(from);
    const quote = xml.charAt(eq + 1);
    if (eq + 1 >= xml.length) throw unparseable('is truncated inside a tag');
    if (xml.charAt(eq) !== '=' || (quote !== '"' && quote !== "'"))
      throw unparseable(`has a malformed attribute ${xml.slice(from, eq)}`);
    const close = xml.indexOf(quote, eq + 2);
    if (close === -1) throw unparseable('is truncated inside a tag');
    return close + 1;
  }

  private startTag(): void {
    const nameEnd = this.nameEnd(this.at + 1);
    const name = this.xml.slice(this.at + 1, nameEnd);
    if (this.xml.charCodeAt(nameEnd) === GT) {
      this.at = nameEnd + 1;
      this.enter(name);
      return;
    }
    const { end, empty } = this.tagEnd(nameEnd);
    this.at = end;
    this.enter(name);
    if (empty) this.leave(name);
  }

  // The end tag of the element open, compared in place; anything else is read out for
  // the error.
  private endTag(): void {
    const expected = this.open.at(-1);
    const from = this.at + 2;
    if (expected !== undefined && this.xml.startsWith(expected, from)) {
      const at = this.skipSpace(from + expected.length);
      if (this.xml.charCodeAt(at) === GT) {
        this.at = at + 1;
        this.leave(expected);
        return;
      }
    }
    this.wrongEndTag(expected);
  }

  private wrongEndTag(expected: string | undefined): never {
    const nameEnd = this.nameEnd(this.at + 2);
    const name = this.xml.slice(this.at + 2, nameEnd);
    const at = this.skipSpace(nameEnd);
    if (at >= this.xml.length) throw unparseable('is truncated inside an end tag');
    if (this.xml.charCodeAt(at) !== GT || name === expected)
      throw unparseable(`has a malformed end tag </${name}`);
    throw unparseable(
      `closes </${name}> where ${expected === undefined ? 'nothing is open' : `</${expected}> is expected`}`,
    );
  }

  private enter(name: string): void {
    if (this.capture !== undefined)
      throw unparseable(`has an element <${name}> inside <${this.capture}>`);
    const depth = this.open.length;
    this.open.push(name);
    if (depth === 0) this.enterRoot(name);
    else if (depth === 1) this.enterTop(name);
    else if (depth === 2 && this.open[1] === SET) this.enterItem(name);
    else if (depth === 3 && this.open[1] === SET && name === 'instanceId') this.enterId();
  }

  private enterRoot(name: string): void {
    if (this.rootSeen) throw unparseable('has a second root element');
    if (name !== ROOT) throw unparseable(`is a <${name}>, not a <${ROOT}>`);
    this.rootSeen = true;
  }

  private enterTop(name: string): void {
    if (name === SET) {
      if (this.setSeen) throw unparseable(`has a second <${SET}>`);
      this.setSeen = true;
    } else if (name === 'nextToken') {
      if (this.tokenSeen) throw unparseable('has a second <nextToken>');
      this.tokenSeen = true;
      this.startCapture('nextToken');
    }
  }

  private enterItem(name: string): void {
    if (name !== 'item') throw unparseable(`has a <${name}> in <${SET}>, not an <item>`);
    this.itemId = undefined;
  }

  private enterId(): void {
    if (this.itemId !== undefined) throw unparseable('has an item with two instanceIds');
    this.itemId = '';
    this.startCapture('instanceId');
  }

  private startCapture(capture: Capture): void {
    this.capture = capture;
    this.text = '';
  }

  private leave(name: string): void {
    this.open.pop();
    const depth = this.open.length;
    if (this.capture !== undefined) this.endCapture();
    else if (depth === 2 && this.open[1] === SET && name === 'item') this.endItem();
  }

  private endCapture(): void {
    const value = decodeText(this.text);
    if (this.capture === 'nextToken') this.nextToken = value;
    else this.itemId = value;
    this.capture = undefined;
  }

  private endItem(): void {
    const id = this.itemId;
    if (id === undefined || id.trim() === '')
      throw new AnswerShapeError(
        'IncompleteAnswer',
        'ec2:DescribeInstanceStatus answered without an InstanceId',
      );
    this.instanceIds.push(id);
  }
}

/**
 * readStatusIds reads the ids of the top-level instanceStatusSet items and the next token
 * from a DescribeInstanceStatus answer, or throws AnswerShapeError: UnparseableAnswer for
 * an answer that is not complete, well-nested XML of the expected shape, IncompleteAnswer
 * for an item without its instanceId (or an answer without the set).
 */
export function readStatusIds(xml: string): StatusIds {
  return new StatusReader(xml).read();
}
