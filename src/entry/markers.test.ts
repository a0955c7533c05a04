import { describe, expect, it } from 'vitest';
import {
  appendTrailers,
  formatGateKeyTrailer,
  formatKeyMarker,
  formatOnBehalfOf,
  formatSupersedes,
  parseGateKeyTrailer,
  parseKeyMarker,
  parseKeyMarkers,
  parseOnBehalfOf,
  parseSupersedes,
  withGateKeyTrailer,
  withKeyMarker,
  withOnBehalfOf,
} from './markers.ts';

const KEY = '2447a6ce3e3e7b5697b5bb89735e552c4bc6928c';

describe('On-behalf-of', () => {
  it.each([
    ['On-behalf-of: Erin Okafor <erin>', 'erin'],
    ['Proposed through the bot.\n\nOn-behalf-of: Erin Okafor <erin>', 'erin'],
    ['Text\r\n\r\nOn-behalf-of: Erin Okafor <erin>\r\n', 'erin'],
    ['on-behalf-of: Erin <erin>', 'erin'],
    ['ON-BEHALF-OF:Erin<erin>', 'erin'],
    ['On-behalf-of: <erin>', 'erin'],
    ['On-behalf-of: A <a>\nOn-behalf-of: B <b>', 'b'],
    ['On-behalf-of: Erin Okafor <not a login>', null],
    ['On-behalf-of: Erin Okafor <erin-->', null],
    ['On-behalf-of: Erin Okafor erin', null],
    ['Text mentions On-behalf-of: X <x> mid-line', null],
    ['', null],
  ])('parseOnBehalfOf(%j) is %j', (text, login) => {
    expect(parseOnBehalfOf(text)).toBe(login);
  });

  it('formats a trailer and puts it in the trailer block', () => {
    expect(formatOnBehalfOf({ login: 'erin', name: 'Erin Okafor' })).toBe('On-behalf-of: Erin Okafor <erin>');
    expect(formatOnBehalfOf({ login: 'erin', name: ' <Evil>\nName ' })).toBe(
      'On-behalf-of: Evil Name <erin>',
    );
    expect(formatOnBehalfOf({ login: 'erin' })).toBe('On-behalf-of: erin <erin>');
    expect(() => formatOnBehalfOf({ login: 'a b' })).toThrow(/invalid Gitea login "a b"/);
    expect(withOnBehalfOf('Propose X', { login: 'erin', name: 'Erin' })).toBe(
      'Propose X\n\nOn-behalf-of: Erin <erin>\n',
    );
    expect(withOnBehalfOf('Body\r\n\r\nGate-Key: k1\r\n', { login: 'erin', name: 'Erin' })).toBe(
      'Body\n\nGate-Key: k1\nOn-behalf-of: Erin <erin>\n',
    );
    expect(withOnBehalfOf('', { login: 'erin', name: 'Erin' })).toBe('On-behalf-of: Erin <erin>\n');
    for (const body of ['x', 'Title\n\nSome text: with colon', 'a\n\nb: c\nd: e']) {
      expect(parseOnBehalfOf(withOnBehalfOf(body, { login: 'erin', name: 'E' }))).toBe('erin');
    }
  });

  it('starts a trailer block after a one-paragraph subject', () => {
    expect(appendTrailers('Fix: typo', ['Gate-Key: k'])).toBe('Fix: typo\n\nGate-Key: k\n');
    expect(appendTrailers('Subject\n\nA: b', ['C: d'])).toBe('Subject\n\nA: b\nC: d\n');
    expect(appendTrailers('Subject\n\nprose here', ['C: d'])).toBe('Subject\n\nprose here\n\nC: d\n');
    expect(appendTrailers('x', [])).toBe('x');
  });
});

describe('Supersedes', () => {
  it.each([
    ['Supersedes: #4', [4]],
    ['Folds in the wording.\n\nSupersedes: #4', [4]],
    ['supersedes: #12\r\nSUPERSEDES:#3\r\n', [3, 12]],
    ['Supersedes: #5\nSupersedes: #5', [5]],
    ['  Supersedes: #7  ', [7]],
    ['Supersedes: #4, #5', []],
    ['Supersedes: 4', []],
    ['Supersedes: #0', []],
    ['This supersedes: #4 inline', []],
    ['Supersedes: #owner/repo#4', []],
    ['', []],
  ])('parseSupersedes(%j) is %j', (text, numbers) => {
    expect(parseSupersedes(text)).toEqual(numbers);
  });

  it('formats one line per PR', () => {
    expect(formatSupersedes(4)).toBe('Supersedes: #4');
    expect(parseSupersedes([formatSupersedes(9), formatSupersedes(2)].join('\n'))).toEqual([2, 9]);
    expect(() => formatSupersedes(0)).toThrow(/"0" must be a positive integer/);
  });
});

describe('Gate-Key trailer', () => {
  it.each([
    [`Update entry\n\nGate-Key: ${KEY}`, KEY],
    [`Update entry\r\n\r\nOn-behalf-of: E <e>\r\ngate-key: ${KEY}\r\n`, KEY],
    ['Gate-Key: first\nGate-Key: second', 'second'],
    ['Gate-Key: bad--key', null],
    ['Gate-Key:', null],
    ['No trailer', null],
  ])('parseGateKeyTrailer(%j) is %j', (text, key) => {
    expect(parseGateKeyTrailer(text)).toBe(key);
  });

  it('formats and appends the trailer', () => {
    expect(formatGateKeyTrailer(KEY)).toBe(`Gate-Key: ${KEY}`);
    expect(withGateKeyTrailer('Merge', KEY)).toBe(`Merge\n\nGate-Key: ${KEY}\n`);
    expect(parseGateKeyTrailer(withGateKeyTrailer('Merge', KEY))).toBe(KEY);
    expect(() => formatGateKeyTrailer('has space')).toThrow(/gate key "has space"/);
  });
});

describe('hidden key marker', () => {
  it.each([
    [`<!-- rfc-actions:key=${KEY} -->`, KEY],
    [`Withdrawn at the request of @erin.\n\n<!-- rfc-actions:key=${KEY} -->`, KEY],
    [`Text\r\n<!-- rfc-actions:key=${KEY} -->\r\nmore text`, KEY],
    [`before<!--rfc-actions:key=${KEY}-->after`, KEY],
    ['<!-- rfc-actions:key=a1 --> <!-- rfc-actions:key=b2 -->', 'a1'],
    ['<!-- rfc-actions:key= -->', null],
    ['<!-- rfc-actions:key=bad key -->', null],
    ['<!-- other:key=abc -->', null],
    ['rfc-actions:key=abc', null],
    ['', null],
  ])('parseKeyMarker(%j) is %j', (body, key) => {
    expect(parseKeyMarker(body)).toBe(key);
  });

  it('finds every marker in order', () => {
    expect(parseKeyMarkers('<!-- rfc-actions:key=a1 -->\n<!-- rfc-actions:key=b2 -->')).toEqual(['a1', 'b2']);
  });

  it('formats the marker on its own last line', () => {
    expect(formatKeyMarker(KEY)).toBe(`<!-- rfc-actions:key=${KEY} -->`);
    expect(withKeyMarker('Hello\r\n', KEY)).toBe(`Hello\n\n<!-- rfc-actions:key=${KEY} -->\n`);
    expect(withKeyMarker('', KEY)).toBe(`<!-- rfc-actions:key=${KEY} -->\n`);
    expect(parseKeyMarker(withKeyMarker('Some *markdown*', KEY))).toBe(KEY);
    expect(() => formatKeyMarker('x-->')).toThrow(/cannot be written into a marker/);
    expect(() => formatKeyMarker('')).toThrow(/cannot be written/);
  });
});
