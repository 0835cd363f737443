// The fast DescribeInstanceStatus reader against the answers EC2 and moto send: it counts
// only the top-level instanceStatusSet items, and refuses anything it cannot read
// completely and exactly — every truncation, a missing or crossed end tag, an item
// without its instanceId, an unexpected shape — rather than count fewer.
import { describe, expect, it } from 'vitest';
import { AnswerShapeError, decodeText, readStatusIds } from './ec2-status-ids.ts';

const XMLNS = 'http://ec2.amazonaws.com/doc/2016-11-15/';

// moto 5.2.5's answer for two running instances, byte for byte (one line, no token).
const MOTO = `<?xml version="1.0" encoding="utf-8"?>
<DescribeInstanceStatusResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><instanceStatusSet><item><availabilityZone>us-east-1a</availabilityZone><instanceId>i-cebb403295a900719</instanceId><instanceState><code>16</code><name>running</name></instanceState><instanceStatus><details><item><name>reachability</name><status>passed</status></item></details><status>ok</status></instanceStatus><systemStatus><details><item><name>reachability</name><status>passed</status></item></details><status>ok</status></systemStatus></item><item><availabilityZone>us-east-1a</availabilityZone><instanceId>i-a2e242a881685aacf</instanceId><instanceState><code>16</code><name>running</name></instanceState><instanceStatus><details><item><name>reachability</name><status>passed</status></item></details><status>ok</status></instanceStatus><systemStatus><details><item><name>reachability</name><status>passed</status></item></details><status>ok</status></systemStatus></item></instanceStatusSet><requestId>request-id</requestId></DescribeInstanceStatusResponse>`;

// moto's answer when nothing matches.
const MOTO_EMPTY = `<?xml version="1.0" encoding="utf-8"?>
<DescribeInstanceStatusResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><instanceStatusSet/><requestId>request-id</requestId></DescribeInstanceStatusResponse>`;

// The shape of the example in AWS's EC2 API reference (DescribeInstanceStatus): pretty
// printed, request id first, impaired details, scheduled events (eventsSet, and the
// `events` spelling too), and a next token.
const AWS_REFERENCE = `<DescribeInstanceStatusResponse xmlns="${XMLNS}">
    <requestId>3be1508e-c444-4fef-89cc-0b1223c4f02fEXAMPLE</requestId>
    <instanceStatusSet>
        <item>
            <instanceId>i-1234567890abcdef0</instanceId>
            <availabilityZone>us-east-1d</availabilityZone>
            <instanceState>
                <code>16</code>
                <name>running</name>
            </instanceState>
            <systemStatus>
                <status>impaired</status>
                <details>
                    <item>
                        <name>reachability</name>
                        <status>failed</status>
                        <impairedSince>2024-01-01T00:00:00.000Z</impairedSince>
                    </item>
                </details>
            </systemStatus>
            <instanceStatus>
                <status>impaired</status>
                <details>
                    <item>
                        <name>reachability</name>
                        <status>failed</status>
                        <impairedSince>2024-01-01T00:00:00.000Z</impairedSince>
                    </item>
                </details>
            </instanceStatus>
            <eventsSet>
                <item>
                    <code>instance-retirement</code>
                    <description>The instance is running on degraded hardware</description>
                    <notBefore>2024-01-01T00:00:00+0000</notBefore>
                    <notAfter>2024-01-02T00:00:00+0000</notAfter>
                </item>
            </eventsSet>
        </item>
        <item>
            <instanceId>i-0598c7d356eba48d7</instanceId>
            <availabilityZone>us-east-1d</availabilityZone>
            <instanceState>
                <code>16</code>
                <name>running</name>
            </instanceState>
            <systemStatus>
                <status>ok</status>
                <details><item><name>reachability</name><status>passed</status></item></details>
            </systemStatus>
            <instanceStatus>
                <status>ok</status>
                <details><item><name>reachability</name><status>passed</status></item></details>
            </instanceStatus>
            <events>
                <item>
                    <code>system-reboot</code>
                    <description>[Completed] scheduled reboot</description>
                    <notBefore>2024-01-01T00:00:00+0000</notBefore>
                </item>
                <item>
                    <code>instance-stop</code>
                    <description>The instance is scheduled to stop</description>
                </item>
            </events>
        </item>
        <item>
            <instanceId>i-0a1b2c3d4e5f67890</instanceId>
            <availabilityZone>us-east-1a</availabilityZone>
            <instanceState>
                <code>80</code>
                <name>stopped</name>
            </instanceState>
            <systemStatus><status>not-applicable</status></systemStatus>
            <instanceStatus><status>not-applicable</status></instanceStatus>
        </item>
    </instanceStatusSet>
    <nextToken>AAEAAcJDs+u8zm7e/GtQ1k1Jh3==&amp;x</nextToken>
</DescribeInstanceStatusResponse>
`;

const wrap = (set: string, tail = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstanceStatusResponse xmlns="${XMLNS}"><requestId>r</requestId>${set}${tail}</DescribeInstanceStatusResponse>`;
const item = (id: string): string =>
  `<item><instanceId>${id}</instanceId><instanceState><code>16</code><name>running</name></instanceState></item>`;

function failure(xml: string): AnswerShapeError {
  try {
    readStatusIds(xml);
  } catch (error) {
    if (error instanceof AnswerShapeError) return error;
    throw error;
  }
  throw new Error(`read without error: ${xml.slice(0, 200)}`);
}

describe('readStatusIds on the answers EC2 and moto send', () => {
  it('reads moto’s answer: the two top-level items, not their nested details items', () => {
    expect(readStatusIds(MOTO)).toEqual({
      instanceIds: ['i-cebb403295a900719', 'i-a2e242a881685aacf'],
    });
  });

  it('reads an empty instanceStatusSet, written either way, as no instances', () => {
    expect(readStatusIds(MOTO_EMPTY)).toEqual({ instanceIds: [] });
    expect(readStatusIds(wrap('<instanceStatusSet></instanceStatusSet>'))).toEqual({
      instanceIds: [],
    });
    expect(readStatusIds(wrap('<instanceStatusSet>\n  </instanceStatusSet>'))).toEqual({
      instanceIds: [],
    });
  });

  it('reads AWS’s reference shape: ids of the top-level items only, and the next token', () => {
    expect(readStatusIds(AWS_REFERENCE)).toEqual({
      instanceIds: ['i-1234567890abcdef0', 'i-0598c7d356eba48d7', 'i-0a1b2c3d4e5f67890'],
      nextToken: 'AAEAAcJDs+u8zm7e/GtQ1k1Jh3==&x',
    });
  });

  it('reads a next token before or after the set; an empty one ends the listing as the paginator does', () => {
    expect(
      readStatusIds(
        wrap(`<nextToken>t1</nextToken><instanceStatusSet>${item('i-1')}</instanceStatusSet>`),
      ),
    ).toEqual({
      instanceIds: ['i-1'],
      nextToken: 't1',
    });
    expect(readStatusIds(wrap('<instanceStatusSet/>', '<nextToken/>'))).toEqual({
      instanceIds: [],
    });
    expect(readStatusIds(wrap('<instanceStatusSet/>', '<nextToken></nextToken>'))).toEqual({
      instanceIds: [],
    });
  });

  it('keeps an id exactly, decodes entities and CDATA, and skips comments and attributes', () => {
    const xml = wrap(
      `<!-- c --><instanceStatusSet a="x>y" b='z'><item><instanceId><![CDATA[i-&1]]></instanceId></item><item><instanceId>i-&#50;&#x33;</instanceId></item></instanceStatusSet>`,
    );
    expect(readStatusIds(xml).instanceIds).toEqual(['i-&1', 'i-23']);
  });

  it('counts 1,000 items of a full page', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    const xml = wrap(
      `<instanceStatusSet>${ids.map(item).join('')}</instanceStatusSet>`,
      '<nextToken>n</nextToken>',
    );
    expect(readStatusIds(xml)).toEqual({ instanceIds: ids, nextToken: 'n' });
  });
});

describe('readStatusIds refuses what it cannot read exactly', () => {
  it.each([
    ['MOTO', MOTO],
    ['AWS_REFERENCE', AWS_REFERENCE],
    ['MOTO_EMPTY', MOTO_EMPTY],
  ])('fails every truncation of %s as UnparseableAnswer or IncompleteAnswer', (_, xml) => {
    const complete = xml.trimEnd();
    for (let length = 0; length < complete.length; length += 1) {
      const error = failure(complete.slice(0, length));
      expect(['UnparseableAnswer', 'IncompleteAnswer'], `cut at ${length}`).toContain(error.code);
    }
  });

  it.each([
    [
      'a missing end tag',
      wrap(`<instanceStatusSet>${item('i-1')}`).replace('</instanceStatusSet>', ''),
    ],
    [
      'a missing item end tag',
      wrap(`<instanceStatusSet><item><instanceId>i-1</instanceId></instanceStatusSet>`),
    ],
    [
      'crossed end tags',
      wrap(`<instanceStatusSet><item><instanceId>i-1</item></instanceId></instanceStatusSet>`),
    ],
    ['an end tag with nothing open', `${wrap('<instanceStatusSet/>')}</x>`],
    ['a second root', `${wrap('<instanceStatusSet/>')}<DescribeInstanceStatusResponse/>`],
    ['another root element', '<Response><Errors><Error><Code>X</Code></Error></Errors></Response>'],
    ['an HTML page', '<!DOCTYPE html><html><body>sign in</body></html>'],
    ['no XML at all', 'OK'],
    ['nothing', ''],
    ['text in the set', wrap(`<instanceStatusSet>oops${item('i-1')}</instanceStatusSet>`)],
    ['text after the root', `${wrap('<instanceStatusSet/>')}junk`],
    [
      'a set member that is not an item',
      wrap(`<instanceStatusSet><member><instanceId>i-1</instanceId></member></instanceStatusSet>`),
    ],
    [
      'an element inside instanceId',
      wrap(
        `<instanceStatusSet><item><instanceId><b>i-1</b></instanceId></item></instanceStatusSet>`,
      ),
    ],
    [
      'an item with two instanceIds',
      wrap(
        `<instanceStatusSet><item><instanceId>i-1</instanceId><instanceId>i-2</instanceId></item></instanceStatusSet>`,
      ),
    ],
    ['two sets', wrap(`<instanceStatusSet>${item('i-1')}</instanceStatusSet><instanceStatusSet/>`)],
    [
      'two tokens',
      wrap('<instanceStatusSet/>', '<nextToken>a</nextToken><nextToken>b</nextToken>'),
    ],
    ['an element inside the token', wrap('<instanceStatusSet/>', '<nextToken><a/></nextToken>')],
    ['an unescaped ampersand', wrap(`<instanceStatusSet>${item('i-&1')}</instanceStatusSet>`)],
    ['an unknown entity', wrap(`<instanceStatusSet>${item('i-&nbsp;')}</instanceStatusSet>`)],
    ['a malformed attribute', wrap('<instanceStatusSet a=b/>')],
    ['a document type', `<!DOCTYPE x [<!ENTITY e "i-1">]>${wrap('<instanceStatusSet/>')}`],
  ])('fails %s as UnparseableAnswer', (_, xml) => {
    expect(failure(xml).code).toBe('UnparseableAnswer');
  });

  it.each([
    [
      'an item without instanceId',
      wrap(
        `<instanceStatusSet>${item('i-1')}<item><availabilityZone>a</availabilityZone></item></instanceStatusSet>`,
      ),
    ],
    [
      'an empty instanceId',
      wrap(`<instanceStatusSet><item><instanceId/></item></instanceStatusSet>`),
    ],
    [
      'a blank instanceId',
      wrap(`<instanceStatusSet><item><instanceId> </instanceId></item></instanceStatusSet>`),
    ],
    [
      'an instanceId only in a nested item',
      wrap(
        `<instanceStatusSet><item><details><item><instanceId>i-1</instanceId></item></details></item></instanceStatusSet>`,
      ),
    ],
    ['no instanceStatusSet', wrap('')],
  ])('fails %s as IncompleteAnswer', (_, xml) => {
    const error = failure(xml);
    expect(error.code).toBe('IncompleteAnswer');
    expect(error.message).toMatch(/^ec2:DescribeInstanceStatus answered without/);
  });
});

describe('decodeText', () => {
  it('decodes the predefined and numeric entities and nothing else', () => {
    expect(decodeText('a&lt;&gt;&amp;&quot;&apos;&#65;&#x42;')).toBe('a<>&"\'AB');
    expect(() => decodeText('&bogus;')).toThrow(AnswerShapeError);
    expect(() => decodeText('a & b')).toThrow(AnswerShapeError);
    expect(() => decodeText('&#x110000;')).toThrow(AnswerShapeError);
  });
});
