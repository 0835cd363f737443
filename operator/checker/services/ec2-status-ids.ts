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
const NAME = /[A-Za-z_:][-\w:.]*/y;
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
  private takeText(end: number): void {
    this.addText(this.xml.slice(this.at, end));
    this.at = end;
  }

  private addText(raw: string): void {
    if (this.capture !== undefined) this.text += raw;
    else if (this.strictHere() && !SPACE.test(raw))
      throw unparseable(`has unexpected text "${raw.trim().slice(0, 40)}"`);
  }

  private strictHere(): boolean {
    return this.open.length <= 1 || (this.open[1] === SET && this.open.length <= 3);
  }

  private until(end: string, what: string): number {
    const found = this.xml.indexOf(end, this.at);
    if (found === -1) throw unparseable(`is truncated inside ${what}`);
    return found + end.length;
  }

  private markup(): void {
    const xml = this.xml;
    if (xml.startsWith('<?', this.at)) this.at = this.until('?>', 'a processing instruction');
    else if (xml.startsWith('<!--', this.at)) this.at = this.until('-->', 'a comment');
    else if (xml.startsWith('<![CDATA[', this.at)) this.cdata();
    else if (xml.startsWith('<!', this.at)) throw unparseable('has a document type or declaration');
    else if (xml.startsWith('</', this.at)) this.endTag();
    else this.startTag();
  }

  private cdata(): void {
    const start = this.at + '<![CDATA['.length;
    this.at = this.until(']]>', 'a CDATA section');
    // CDATA is literal: escaped here so that decodeText gives it back unchanged.
    this.addText(this.xml.slice(start, this.at - 3).replaceAll('&', '&amp;'));
  }

  private name(from: number): string {
    NAME.lastIndex = from;
    const match = NAME.exec(this.xml);
    if (match === null)
      throw unparseable(
        this.xml.length <= from ? 'is truncated inside a tag' : 'has a malformed tag',
      );
    return match[0];
  }

  // Attributes are checked for form only (quoted values may hold `>`); none is read.
  private tagEnd(from: number): { end: number; empty: boolean } {
    const xml = this.xml;
    let at = from;
    for (;;) {
      while (at < xml.length && /\s/.test(xml.charAt(at))) at += 1;
      if (at >= xml.length) throw unparseable('is truncated inside a tag');
      if (xml.startsWith('/>', at)) return { end: at + 2, empty: true };
      if (xml.charAt(at) === '>') return { end: at + 1, empty: false };
      at = this.attribute(at);
    }
  }

  private attribute(from: number): number {
    const xml = this.xml;
    const name = this.name(from);
    const eq = from + name.length;
    const quote = xml.charAt(eq + 1);
    if (eq + 1 >= xml.length) throw unparseable('is truncated inside a tag');
    if (xml.charAt(eq) !== '=' || (quote !== '"' && quote !== "'"))
      throw unparseable(`has a malformed attribute ${name}`);
    const close = xml.indexOf(quote, eq + 2);
    if (close === -1) throw unparseable('is truncated inside a tag');
    return close + 1;
  }

  private startTag(): void {
    const name = this.name(this.at + 1);
    const { end, empty } = this.tagEnd(this.at + 1 + name.length);
    this.at = end;
    this.enter(name);
    if (empty) this.leave(name);
  }

  private endTag(): void {
    const name = this.name(this.at + 2);
    let at = this.at + 2 + name.length;
    while (at < this.xml.length && /\s/.test(this.xml.charAt(at))) at += 1;
    if (at >= this.xml.length) throw unparseable('is truncated inside an end tag');
    if (this.xml.charAt(at) !== '>') throw unparseable(`has a malformed end tag </${name}`);
    const expected = this.open.at(-1);
    if (expected !== name)
      throw unparseable(
        `closes </${name}> where ${expected === undefined ? 'nothing is open' : `</${expected}> is expected`}`,
      );
    this.at = at + 1;
    this.leave(name);
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
