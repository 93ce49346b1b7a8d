// ical.js 2.x is an ES module ("type": "module"), but its package.json "exports" has a
// "require" condition pointing at dist/ical.es5.cjs, which is what jest's CommonJS
// runtime loads here. That build has no `default` export, so the default import below
// goes through esModuleInterop's __importDefault and yields the whole module object.
import ICAL from 'ical.js';
import { foldLines as icalGeneratorFoldLines } from 'ical-generator';
import * as nodeIcal from 'node-ical';
import * as fc from 'fast-check';
import { DateTime } from 'luxon';
import { SUMMARY_TEXT_MAX, foldLines, renderFeed } from './ical-feed.renderer';
import type { FeedCalendar, FeedEventPost, FeedGap, FeedPostStatus } from './ical-feed.types';

const HOST = 'palinsesto.test';
const GENERATED_AT = new Date('2027-03-01T08:00:00.000Z');

function post(overrides: Partial<FeedEventPost> = {}): FeedEventPost {
  return {
    id: '0b7f6a9e-5a4e-4c1e-9c59-0d6a3c1c2f01',
    channelId: 'ch-mastodon',
    channelName: 'Mastodon',
    channelZone: 'Europe/Rome',
    body: 'Our spring newsletter is out',
    category: 'informative',
    categoryName: 'Informative',
    status: 'scheduled',
    scheduledAt: new Date('2027-03-10T09:00:00.000Z'),
    sequence: 0,
    createdAt: new Date('2027-02-01T10:00:00.000Z'),
    updatedAt: new Date('2027-02-02T11:30:00.000Z'),
    ...overrides,
  };
}

function calendar(posts: FeedEventPost[], extra: Partial<FeedCalendar> = {}): FeedCalendar {
  return {
    name: 'Team plan',
    description: 'Posts of the team',
    host: HOST,
    generatedAt: GENERATED_AT,
    posts,
    ...extra,
  };
}

interface ParsedEvent {
  uid: string;
  summary: string;
  description: string;
  start: Date;
  end: Date;
  startIsUtc: boolean;
  status: string | null;
  sequence: number;
  categories: string[];
  url: string | null;
  transp: string | null;
  dtstamp: Date | null;
  created: Date | null;
  lastModified: Date | null;
}

function timeProp(c: ICAL.Component, name: string): Date | null {
  const v = c.getFirstPropertyValue(name);
  return v instanceof ICAL.Time ? v.toJSDate() : null;
}

function textProp(c: ICAL.Component, name: string): string | null {
  const v = c.getFirstPropertyValue(name);
  return v === null || v === undefined ? null : String(v);
}

/** Parses with Mozilla's ical.js (the parser inside Thunderbird). */
function parseIcalJs(text: string): { calendar: ICAL.Component; events: ParsedEvent[] } {
  const root = new ICAL.Component(ICAL.parse(text));
  expect(root.name).toBe('vcalendar');
  const events = root.getAllSubcomponents('vevent').map((vevent): ParsedEvent => {
    const ev = new ICAL.Event(vevent);
    return {
      uid: ev.uid,
      summary: ev.summary,
      description: ev.description,
      start: ev.startDate.toJSDate(),
      end: ev.endDate.toJSDate(),
      startIsUtc: ev.startDate.zone === ICAL.Timezone.utcTimezone,
      status: textProp(vevent, 'status'),
      sequence: ev.sequence,
      categories: vevent.getAllProperties('categories').flatMap((p) => p.getValues().map(String)),
      url: textProp(vevent, 'url'),
      transp: textProp(vevent, 'transp'),
      dtstamp: timeProp(vevent, 'dtstamp'),
      created: timeProp(vevent, 'created'),
      lastModified: timeProp(vevent, 'last-modified'),
    };
  });
  return { calendar: root, events };
}

/** ical.js keeps properties it has no definition for (X-WR-CALNAME, NAME) raw: unescape them as TEXT. */
function unknownTextProp(c: ICAL.Component, name: string): string | null {
  const raw = c.getFirstPropertyValue(name);
  return raw === null ? null : ICAL.design.icalendar.value.text.fromICAL(String(raw));
}

/** Parses with node-ical and returns its VEVENTs in document order. */
function parseNodeIcal(text: string): nodeIcal.VEvent[] {
  const parsed = nodeIcal.sync.parseICS(text);
  return Object.values(parsed).filter((c): c is nodeIcal.VEvent => c?.type === 'VEVENT');
}

const physicalLines = (text: string): string[] => text.split('\r\n').slice(0, -1);
const unfold = (text: string): string => text.replace(/\r\n[ \t]/g, '');

describe('renderFeed: the calendar', () => {
  it('is a VCALENDAR with the Palinsesto PRODID, name, description and a 15 minute refresh', () => {
    const text = renderFeed(calendar([post()]));
    const { calendar: cal } = parseIcalJs(text);
    expect(cal.getFirstPropertyValue('version')).toBe('2.0');
    expect(cal.getFirstPropertyValue('prodid')).toBe('-//Palinsesto//Palinsesto//EN');
    expect(cal.getFirstPropertyValue('calscale')).toBe('GREGORIAN');
    expect(unknownTextProp(cal, 'x-wr-calname')).toBe('Team plan');
    expect(unknownTextProp(cal, 'name')).toBe('Team plan');
    expect(unknownTextProp(cal, 'x-wr-caldesc')).toBe('Posts of the team');
    expect(String(cal.getFirstPropertyValue('refresh-interval'))).toBe('PT15M');
    expect(cal.getFirstProperty('refresh-interval')?.type).toBe('duration');
    expect(unfold(text)).toContain('\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n');
    expect(cal.getFirstPropertyValue('x-published-ttl')).toBe('PT15M');
    // A subscription is not an iTIP message.
    expect(cal.getFirstProperty('method')).toBeNull();
    expect(unfold(text)).not.toMatch(/^METHOD/m);
  });

  it('keeps a name and description with commas, semicolons, backslashes and line breaks', () => {
    const name = 'Sales, EMEA; plan \\ Q2\nsecond line';
    const description = 'Città; perché, sì\\no\nfine';
    const text = renderFeed(calendar([], { name, description }));
    const { calendar: cal } = parseIcalJs(text);
    expect(unknownTextProp(cal, 'x-wr-calname')).toBe(name);
    expect(unknownTextProp(cal, 'name')).toBe(name);
    expect(unknownTextProp(cal, 'x-wr-caldesc')).toBe(description);
    const vcal = Object.values(nodeIcal.sync.parseICS(text)).find((c) => c?.type === 'VCALENDAR');
    expect(vcal).toMatchObject({ 'WR-CALNAME': name, name });
  });

  it('renders an empty calendar that both parsers accept', () => {
    const text = renderFeed(calendar([]));
    expect(text.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(text.endsWith('\r\nEND:VCALENDAR\r\n')).toBe(true);
    expect(parseIcalJs(text).events).toEqual([]);
    expect(parseNodeIcal(text)).toEqual([]);
    expect(renderFeed(calendar([], { gaps: [] }))).toBe(text);
  });

  it('rejects a host that cannot go into a UID and dates that are not dates', () => {
    expect(() => renderFeed(calendar([], { host: 'bad host' }))).toThrow(/host/);
    expect(() => renderFeed(calendar([], { host: 'x\r\nUID:evil' }))).toThrow(/host/);
    expect(() => renderFeed(calendar([post({ scheduledAt: new Date('nope') })]))).toThrow(/scheduledAt/);
    expect(() => renderFeed(calendar([], { generatedAt: new Date(NaN) }))).toThrow(/generatedAt/);
  });
});

describe('renderFeed: one VEVENT per post', () => {
  it('has a stable UID post-<id>@<host>, and the same bytes when rendered twice', () => {
    const posts = [post({ id: 'a1' }), post({ id: 'b2', scheduledAt: new Date('2027-03-11T09:00:00Z') })];
    const text = renderFeed(calendar(posts));
    expect(parseIcalJs(text).events.map((e) => e.uid)).toEqual([`post-a1@${HOST}`, `post-b2@${HOST}`]);
    expect(parseNodeIcal(text).map((e) => e.uid)).toEqual([`post-a1@${HOST}`, `post-b2@${HOST}`]);
    expect(renderFeed(calendar(posts))).toBe(text);
  });

  it('percent-encodes ids that would need escaping inside a UID', () => {
    const text = renderFeed(calendar([post({ id: 'a,b;c d' })]));
    expect(parseIcalJs(text).events[0].uid).toBe(`post-a%2Cb%3Bc%20d@${HOST}`);
  });

  it('writes the channel and the first words of the text in SUMMARY', () => {
    const { events } = parseIcalJs(renderFeed(calendar([post()])));
    expect(events[0].summary).toBe('[Mastodon] Our spring newsletter is out');
  });

  it('prefers the title, keeps SUMMARY on one line and cuts long text at a word with an ellipsis', () => {
    const long = 'Ecco la nuova collezione primavera estate: scoprite tutti i capi disponibili nel negozio online';
    const text = renderFeed(
      calendar([
        post({ id: 't', title: 'Spring sale', body: long }),
        post({ id: 'l', body: long }),
        post({ id: 'n', body: 'first line\n\nsecond line' }),
        post({ id: 'e', body: '' }),
        post({ id: 'w', body: 'x'.repeat(70) }),
        post({ id: 'u', body: '😀'.repeat(40) }),
      ]),
    );
    const byId = new Map(parseIcalJs(text).events.map((e) => [e.uid.split('@')[0], e.summary]));
    expect(byId.get('post-t')).toBe('[Mastodon] Spring sale');
    expect(byId.get('post-l')).toBe('[Mastodon] Ecco la nuova collezione primavera estate: scoprite tutti i…');
    expect(byId.get('post-n')).toBe('[Mastodon] first line second line');
    expect(byId.get('post-e')).toBe('[Mastodon] (no text)');
    expect(byId.get('post-w')).toBe(`[Mastodon] ${'x'.repeat(SUMMARY_TEXT_MAX)}…`);
    // 30 emoji = 60 UTF-16 units: never half an emoji.
    expect(byId.get('post-u')).toBe(`[Mastodon] ${'😀'.repeat(30)}…`);
    for (const s of byId.values()) expect(s.length).toBeLessThanOrEqual('[Mastodon] '.length + SUMMARY_TEXT_MAX + 1);
  });

  it.each<[FeedPostStatus, string]>([
    ['draft', 'TENTATIVE'],
    ['in_review', 'TENTATIVE'],
    ['approved', 'TENTATIVE'],
    ['scheduled', 'CONFIRMED'],
    ['publishing', 'CONFIRMED'],
    ['published', 'CONFIRMED'],
    ['failed', 'TENTATIVE'],
    ['cancelled', 'CANCELLED'],
  ])('maps a %s post to STATUS:%s', (status, expected) => {
    const text = renderFeed(calendar([post({ status })]));
    const [ev] = parseIcalJs(text).events;
    expect(ev.status).toBe(expected);
    expect(parseNodeIcal(text)[0].status).toBe(expected);
    expect(ev.description.split('\n')).toContain(`Status: ${status.replace('_', ' ')}`);
  });

  it('marks a failed post in SUMMARY, where the team sees it', () => {
    const [ev] = parseIcalJs(renderFeed(calendar([post({ status: 'failed' })]))).events;
    expect(ev.summary).toBe('[Mastodon] FAILED: Our spring newsletter is out');
  });

  it('writes SEQUENCE, DTSTAMP, CREATED and LAST-MODIFIED', () => {
    const p = post({ sequence: 7 });
    const text = renderFeed(calendar([p]));
    const [ev] = parseIcalJs(text).events;
    expect(ev.sequence).toBe(7);
    expect(ev.dtstamp).toEqual(GENERATED_AT);
    expect(ev.created).toEqual(p.createdAt);
    expect(ev.lastModified).toEqual(p.updatedAt);
    const [n] = parseNodeIcal(text);
    expect(Number(n.sequence)).toBe(7);
    expect(n.dtstamp).toEqual(GENERATED_AT);
  });

  it('puts the category name, or the key without a name, in CATEGORIES', () => {
    const text = renderFeed(
      calendar([
        post({ id: 'a', category: 'promotional', categoryName: 'Promotional' }),
        post({ id: 'b', category: 'informative', categoryName: undefined }),
      ]),
    );
    expect(parseIcalJs(text).events.map((e) => e.categories)).toEqual([['Promotional'], ['informative']]);
    expect(parseNodeIcal(text).map((e) => e.categories)).toEqual([['Promotional'], ['informative']]);
  });

  it('keeps a category with a comma as one category (RFC 5545 escaping; ical.js)', () => {
    // node-ical 0.26 splits CATEGORIES on escaped commas too, so it is not asked here.
    const text = renderFeed(calendar([post({ categoryName: 'News, updates; more' })]));
    expect(parseIcalJs(text).events[0].categories).toEqual(['News, updates; more']);
  });

  it('links the published post in URL, and only once it is published', () => {
    const externalUrl = 'https://mastodon.example/@team/112233';
    const text = renderFeed(
      calendar([
        post({ id: 'pub', status: 'published', externalUrl }),
        post({ id: 'sch', status: 'scheduled', externalUrl }),
        post({ id: 'bad', status: 'published', externalUrl: 'javascript:alert(1)' }),
        post({ id: 'com', status: 'published', externalUrl: 'https://x.example/a,b;c' }),
      ]),
    );
    const events = parseIcalJs(text).events;
    expect(events.map((e) => e.url)).toEqual([externalUrl, null, null, 'https://x.example/a%2Cb%3Bc']);
    expect(events[0].description).toContain(`\nPublished at: ${externalUrl}`);
    expect(events[1].description).not.toContain('Published at');
  });

  it('describes the body, category, status, link and rule violations', () => {
    const p = post({
      title: 'Spring',
      body: 'Line one\nLine two',
      link: 'https://example.com/spring?utm_source=mastodon&utm_campaign=spring',
      violations: [
        'Promotional posts are 40 % of the last 4 weeks; the channel allows 20 %.',
        'Less than 2 h after the previous post',
      ],
    });
    const [ev] = parseIcalJs(renderFeed(calendar([p]))).events;
    expect(ev.description).toBe(
      [
        'Spring',
        '',
        'Line one',
        'Line two',
        '',
        'Channel: Mastodon',
        'Category: Informative',
        'Status: scheduled',
        'Link: https://example.com/spring?utm_source=mastodon&utm_campaign=spring',
        'Rule violations:',
        '- Promotional posts are 40 % of the last 4 weeks; the channel allows 20 %.',
        '- Less than 2 h after the previous post',
      ].join('\n'),
    );
  });
});

describe('renderFeed: times', () => {
  // Europe/Rome: 2027-03-28 02:00 CET -> 03:00 CEST; 2027-10-31 03:00 CEST -> 02:00 CET.
  const rome = (iso: string, offset: string) => new Date(`${iso}${offset}`);
  const cases: [string, Date, string][] = [
    ['the night before spring forward', rome('2027-03-28T01:30:00', '+01:00'), '2027-03-28 01:30'],
    ['just after spring forward', rome('2027-03-28T03:00:00', '+02:00'), '2027-03-28 03:00'],
    ['the morning after spring forward', rome('2027-03-28T09:15:00', '+02:00'), '2027-03-28 09:15'],
    ['the first 02:30 of fall back (CEST)', rome('2027-10-31T02:30:00', '+02:00'), '2027-10-31 02:30'],
    ['the second 02:30 of fall back (CET)', rome('2027-10-31T02:30:00', '+01:00'), '2027-10-31 02:30'],
    ['the morning after fall back', rome('2027-10-31T09:15:00', '+01:00'), '2027-10-31 09:15'],
  ];
  const posts = cases.map(([, at], i) => post({ id: `dst${i}`, scheduledAt: at }));
  const text = renderFeed(calendar(posts));

  it.each(cases.map((c, i) => [...c, i] as const))('keeps the exact instant for %s', (_label, at, romeWallClock, i) => {
    const ev = parseIcalJs(text).events[i];
    expect(ev.startIsUtc).toBe(true);
    expect(ev.start.getTime()).toBe(at.getTime());
    expect(ev.end.getTime() - ev.start.getTime()).toBe(15 * 60 * 1000);
    // What a subscriber in Rome sees.
    expect(DateTime.fromJSDate(ev.start, { zone: 'Europe/Rome' }).toFormat('yyyy-MM-dd HH:mm')).toBe(romeWallClock);
    const n = parseNodeIcal(text)[i];
    expect(n.start.getTime()).toBe(at.getTime());
    expect(n.end?.getTime()).toBe(at.getTime() + 15 * 60 * 1000);
  });

  it('writes DTSTART and DTEND in UTC (Z form) with no VTIMEZONE', () => {
    const raw = unfold(text);
    expect(raw).toContain('DTSTART:20271031T003000Z\r\n');
    expect(raw).toContain('DTSTART:20271031T013000Z\r\n');
    expect(raw).toContain('DTEND:20271031T014500Z\r\n');
    expect(raw).not.toMatch(/TZID|VTIMEZONE/);
    // The two 02:30 posts of the fall-back night stay one hour apart.
    const [a, b] = parseIcalJs(text).events.slice(3, 5);
    expect(b.start.getTime() - a.start.getTime()).toBe(3600 * 1000);
  });
});

describe('renderFeed: text encoding', () => {
  const tricky =
    'Saldi, sconti; tutto \\ a metà prezzo!\nSeconda riga; con "virgolette", e: due punti\r\nTerza\\nriga non a capo';

  it('round-trips commas, semicolons, backslashes and line breaks in SUMMARY and DESCRIPTION', () => {
    const text = renderFeed(calendar([post({ body: tricky, title: 'Prezzi, sconti; \\ altro' })]));
    const [ev] = parseIcalJs(text).events;
    const normalised = tricky.replace(/\r\n/g, '\n');
    expect(ev.summary).toBe('[Mastodon] Prezzi, sconti; \\ altro');
    expect(ev.description.startsWith(`Prezzi, sconti; \\ altro\n\n${normalised}\n\nChannel: Mastodon\n`)).toBe(true);
    const [n] = parseNodeIcal(text);
    expect(n.summary).toBe(ev.summary);
    // node-ical 0.26 unescapes `\\n` (a backslash, then "n") as a backslash and a line
    // break, so it gets a text without that sequence.
    const plain = 'Saldi, sconti; tutto \\ a metà!\nSeconda riga; con "virgolette"';
    const [n2] = parseNodeIcal(renderFeed(calendar([post({ body: plain })])));
    expect(String(n2.description).startsWith(`${plain}\n\n`)).toBe(true);
    const raw = unfold(text);
    expect(raw).toContain('SUMMARY:[Mastodon] Prezzi\\, sconti\\; \\\\ altro\r\n');
    expect(raw).toContain('metà prezzo!\\nSeconda riga\\; con "virgolette"\\, e: due punti\\nTerza\\\\nriga');
  });

  it('drops control characters that iCalendar text cannot hold, keeping tabs', () => {
    const [ev] = parseIcalJs(renderFeed(calendar([post({ body: 'a\u0000b\u0007c\td\u001be\u007f' })]))).events;
    expect(ev.description.startsWith('abc\tde\n\n')).toBe(true);
  });

  const bodies = [
    'Buongiorno! Oggi parliamo di perché la costanza è più importante delle campagne a raffica 😀🎉👨‍👩‍👧‍👦🇮🇹 — àèéìòù ÀÈÉÌÒÙ çñß 日本語のテキストも含まれています',
    '😀'.repeat(120),
    'é'.repeat(200),
    'x'.repeat(73) + '😀' + 'é'.repeat(3) + '日本' + 'x'.repeat(100),
    'Ω≈ç√∫˜µ≤≥÷ 𝕳𝖊𝖑𝖑𝖔 𝔀𝓸𝓻𝓵𝓭 ﷽ '.repeat(10),
  ];

  it('folds lines at 75 octets without splitting a UTF-8 character, and unfolds to the input', () => {
    const text = renderFeed(calendar(bodies.map((body, i) => post({ id: `u${i}`, body, categoryName: 'Città 🌍' }))));
    const bytes = Buffer.from(text, 'utf8');
    // Every physical line is at most 75 octets and, on its own, valid UTF-8.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    let lines = 0;
    for (let i = 0; i < bytes.length - 1; i++) {
      if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) {
        const line = bytes.subarray(start, i);
        expect(line.length).toBeLessThanOrEqual(75);
        expect(() => decoder.decode(line)).not.toThrow();
        start = i + 2;
        lines++;
      }
    }
    expect(start).toBe(bytes.length);
    expect(lines).toBeGreaterThan(bodies.length * 10);
    for (const line of physicalLines(text)) expect(line).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(text).not.toContain('\uFFFD');
    // Long lines were folded, and unfolding gives back the escaped text.
    expect(physicalLines(text).some((l) => l.startsWith(' '))).toBe(true);
    const unfolded = unfold(text);
    for (const body of bodies) expect(unfolded).toContain(`DESCRIPTION:${body}\\n\\n`);
    // And a parser gives back the exact body.
    const events = parseIcalJs(text).events;
    bodies.forEach((body, i) => {
      expect(events[i].description.startsWith(`${body}\n\n`)).toBe(true);
      expect(events[i].categories).toEqual(['Città 🌍']);
    });
    parseNodeIcal(text).forEach((n, i) => expect(String(n.description).startsWith(`${bodies[i]}\n\n`)).toBe(true));
  });

  it('folds exactly like ical-generator, only faster (property)', () => {
    const unit = fc.oneof(
      fc.constantFrom('\r\n', 'é', '😀', '日', 'x'),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.array(fc.string({ unit, maxLength: 300 }), { maxLength: 5 }), (lines) => {
        const text = lines.join('\r\n') + '\r\n';
        expect(foldLines(text)).toBe(icalGeneratorFoldLines(text));
        expect(foldLines(lines.join('\r\n'))).toBe(icalGeneratorFoldLines(lines.join('\r\n')));
      }),
      { numRuns: 300 },
    );
  });

  it('folds a lone surrogate as the 3 octets it becomes in UTF-8', () => {
    // A lone surrogate cannot come from a UTF-8 request body, but a JS string can hold one.
    const body = ('\uD83D' + 'é' + '\uDE00' + '日').repeat(40);
    const text = renderFeed(calendar([post({ body })]));
    for (const line of physicalLines(text)) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
  });

  it('ends every line with CRLF, including the last', () => {
    const text = renderFeed(
      calendar([post({ body: tricky }), post({ id: 'x', body: bodies[0] })], {
        gaps: [gap()],
      }),
    );
    expect(text.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(text).not.toMatch(/\r(?!\n)/);
    expect(text).not.toMatch(/(?<!\r)\n/);
  });

  it('round-trips any body through ical.js (property)', () => {
    const special = fc.constantFrom(
      ',',
      ';',
      '\\',
      '\n',
      '\r\n',
      '\r',
      '\t',
      ':',
      '"',
      '\\n',
      'é',
      '😀',
      '👨‍👩‍👧',
      '\u0000',
      '\u007f',
    );
    const char = fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.string({ unit: char, maxLength: 200 }), (body) => {
        const text = renderFeed(calendar([post({ body })]));
        for (const line of physicalLines(text)) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
        const [ev] = parseIcalJs(text).events;
        // Line breaks come back as \n; control characters but tab are dropped.
        const expected = body.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g, '');
        if (expected) expect(ev.description.startsWith(`${expected}\n\n`)).toBe(true);
        expect(ev.summary.startsWith('[Mastodon] ')).toBe(true);
        expect(ev.summary).not.toMatch(/[\r\n]/);
        const oneLine = expected.replace(/\s+/g, ' ').trim();
        if (oneLine && oneLine.length <= SUMMARY_TEXT_MAX) expect(ev.summary).toBe(`[Mastodon] ${oneLine}`);
      }),
      { numRuns: 200, examples: [['\r\u0000\n']] },
    );
  });
});

function gap(overrides: Partial<FeedGap> = {}): FeedGap {
  return {
    channelId: 'ch-linkedin',
    channelName: 'LinkedIn, Italia',
    from: new Date('2027-03-12T00:00:00.000Z'),
    to: new Date('2027-03-15T12:00:00.000Z'),
    kind: 'planned_gap',
    ...overrides,
  };
}

describe('renderFeed: gaps', () => {
  it('renders a gap as a transparent event spanning it, after the posts', () => {
    const g = gap();
    const text = renderFeed(calendar([post()], { gaps: [g] }));
    const events = parseIcalJs(text).events;
    expect(events).toHaveLength(2);
    const ev = events[1];
    expect(ev.uid).toBe(`gap-ch-linkedin-${g.from.getTime() / 1000}@${HOST}`);
    expect(ev.summary).toBe('No post planned on LinkedIn, Italia');
    expect(ev.transp).toBe('TRANSPARENT');
    expect(ev.start).toEqual(g.from);
    expect(ev.end).toEqual(g.to);
    expect(ev.description).toContain('planned gap');
    expect(ev.categories).toEqual([]);
    const n = parseNodeIcal(text)[1];
    expect(n.transparency).toBe('TRANSPARENT');
    expect(n.start.getTime()).toBe(g.from.getTime());
    expect(n.end?.getTime()).toBe(g.to.getTime());
  });

  it('gives gaps of one channel distinct, stable UIDs and skips empty ones', () => {
    const gaps = [
      gap(),
      gap({ from: new Date('2027-03-20T00:00:00Z'), to: new Date('2027-03-22T00:00:00Z'), kind: 'inactivity' }),
      gap({ from: new Date('2027-03-25T00:00:00Z'), to: new Date('2027-03-25T00:00:00Z') }),
    ];
    const text = renderFeed(calendar([], { gaps }));
    const uids = parseIcalJs(text).events.map((e) => e.uid);
    // 2027-03-12T00:00Z and 2027-03-20T00:00Z in seconds since the epoch.
    expect(uids).toEqual([`gap-ch-linkedin-1804809600@${HOST}`, `gap-ch-linkedin-1805500800@${HOST}`]);
    expect(renderFeed(calendar([], { gaps }))).toBe(text);
  });
});
