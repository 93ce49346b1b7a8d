import { type DigestContent, RESULTS_LEFT_OUT, renderDigestEmail, renderDigestWebhook } from './digest-messages';

const content = (over: Partial<DigestContent> = {}): DigestContent => ({
  workspace: { id: 'w1', name: 'Acme <Team>', timezone: 'Europe/Rome' },
  period: { from: '2027-03-01', to: '2027-03-07', start: '2027-02-28T23:00:00.000Z', end: '2027-03-07T23:00:00.000Z' },
  channels: [
    {
      id: 'c1',
      name: 'Acme Mastodon',
      platform: 'mastodon',
      timezone: 'Europe/Rome',
      discipline: {
        postsPublished: 3,
        postsPerWeekTarget: 4,
        cadenceMet: false,
        longestGapHours: 50.25,
        onTimeShare: 0.93,
        failures: 1,
      },
      mix: [
        { category: 'informative', share: 0.5, min: 0.5, max: null, withinLimits: true },
        { category: 'promotional', share: 0.25, min: 0.1, max: 0.2, withinLimits: false },
      ],
      results: { engagements: 164, engagementsChange: 12, clicks: 40, clicksChange: -5 },
      reasonMissing: ['goal'],
      openAlerts: [
        { id: 'a1', kind: 'inactivity', message: 'Nothing published since Mon.', openedAt: '2027-03-05T10:00:00.000Z' },
      ],
    },
  ],
  resultsNote: null,
  links: {
    page: 'https://p.example/',
    calendar: 'https://p.example/#calendar',
    alerts: 'https://p.example/#alerts',
    reports: 'https://p.example/#reports',
  },
  ...over,
});

describe('digest messages', () => {
  it('writes each channel: discipline, mix against its limits, results with their change, reason, open alerts', () => {
    const mail = renderDigestEmail(content());
    expect(mail.subject).toBe('Weekly digest: Acme <Team>, week to Mon 8 Mar');
    expect(mail.text).toContain('Last week in Acme <Team>, Mon 1 Mar – Sun 7 Mar 2027 (Europe/Rome): 1 channel.');
    expect(mail.text).toContain(
      'Discipline: 3 posts of the 4 a week it aims for: cadence missed; longest gap 50.3 hours; 93% published on time; 1 failure.',
    );
    expect(mail.text).toContain('Mix: informative 50% (at least 50%: kept), promotional 25% (10%–20%: not kept).');
    expect(mail.text).toContain(
      'Results: 164 engagements (+12 on the week before), 40 clicks (-5 on the week before).',
    );
    expect(mail.text).toContain('Its reason lacks: goal.');
    expect(mail.text).toContain('Open alerts (1):\n  - Nothing published since Mon.');
    expect(mail.text).not.toContain(RESULTS_LEFT_OUT);
    // Names are escaped in the HTML part.
    expect(mail.html).toContain('Acme &lt;Team&gt;');
    expect(mail.html).not.toContain('<Team>');
  });

  it('says when results are left out, and the webhook carries the same data with a Slack text', () => {
    const c = content({ resultsNote: RESULTS_LEFT_OUT });
    c.channels[0].results = null;
    expect(renderDigestEmail(c).text).not.toContain('Results:');
    expect(renderDigestEmail(c).text).toContain(RESULTS_LEFT_OUT);
    const hook = renderDigestWebhook(c);
    expect(hook.event).toBe('digest.weekly');
    expect(hook.text).toBe(
      ':calendar: Weekly digest: Acme <Team>, week to Mon 8 Mar <https://p.example/#reports|reports>\n• Acme Mastodon: 3/4 posts, 1 open alert',
    );
    expect(hook.channels).toEqual(c.channels);
  });
});
