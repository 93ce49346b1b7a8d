import { stringify } from 'csv-stringify/sync';
import type { ReportPostRow } from './report.types';

/** The CSV's columns, in order (docs/api.md "Reports"); the workspace's adds `channel` first. */
export const REPORT_CSV_COLUMNS = [
  'postId',
  'scheduledAt',
  'publishedAt',
  'category',
  'campaign',
  'url',
  'likes',
  'reposts',
  'replies',
  'quotes',
  'engagements',
  'clicks',
  'metricsAt',
] as const;

/** One row per published post with its latest metrics; an unknown figure is an empty cell. */
export function reportCsv(rows: readonly (ReportPostRow & { channel?: string })[], withChannel = false): string {
  const columns = withChannel ? ['channel', ...REPORT_CSV_COLUMNS] : [...REPORT_CSV_COLUMNS];
  return stringify(
    rows.map((r) => columns.map((c) => (r as unknown as Record<string, unknown>)[c] ?? '')),
    { header: true, columns },
  );
}
