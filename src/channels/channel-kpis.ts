import { ValidateBy, ValidationOptions } from 'class-validator';

/** What a measurable KPI counts, per week or month in the channel's zone (docs/api.md "Measurable KPIs"). */
export const KPI_METRICS = ['posts', 'clicks', 'engagements', 'engagementPerPost', 'informativeShare'] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];
export const KPI_PERIODS = ['week', 'month'] as const;
export type KpiPeriod = (typeof KPI_PERIODS)[number];

/** A KPI with a target: met when the period's actual reaches `target`. */
export interface MeasurableKpi {
  metric: KpiMetric;
  period: KpiPeriod;
  target: number;
  /** Missed periods in a row that open a `kpi_missed` alert; absent: no alert. */
  alertAfter?: number;
}

/** A channel KPI: free text (as before issue 15) or a measurable one; stored as given (jsonb). */
export type KpiItem = string | MeasurableKpi;

export const isMeasurableKpi = (k: KpiItem): k is MeasurableKpi => typeof k === 'object' && k !== null;

/** Why `item` is not a valid KPI, or null when it is. */
export function kpiItemProblem(item: unknown): string | null {
  if (typeof item === 'string') return item.length > 200 ? 'a free-text KPI has at most 200 characters' : null;
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return 'a KPI is a string or an object';
  const k = item as Record<string, unknown>;
  const extra = Object.keys(k).filter((f) => !['metric', 'period', 'target', 'alertAfter'].includes(f));
  if (extra.length > 0) return `unknown field ${extra[0]}`;
  if (!KPI_METRICS.includes(k.metric as KpiMetric)) return `metric must be one of ${KPI_METRICS.join(', ')}`;
  if (!KPI_PERIODS.includes(k.period as KpiPeriod)) return 'period must be week or month';
  if (typeof k.target !== 'number' || !Number.isFinite(k.target) || k.target < 0) {
    return 'target must be a number, 0 or more';
  }
  if (k.metric === 'informativeShare' && k.target > 1) return 'an informativeShare target is a share between 0 and 1';
  if (
    k.alertAfter !== undefined &&
    (!Number.isInteger(k.alertAfter) || (k.alertAfter as number) < 1 || (k.alertAfter as number) > 52)
  ) {
    return 'alertAfter must be a whole number of periods from 1 to 52';
  }
  return null;
}

/** Each item a string of at most 200 characters or a measurable KPI object. */
export function IsKpiItems(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isKpiItems',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every((v) => kpiItemProblem(v) === null),
        defaultMessage: (args) => {
          const items = Array.isArray(args?.value) ? (args!.value as unknown[]) : [];
          const i = items.findIndex((v) => kpiItemProblem(v) !== null);
          const why = i >= 0 ? `kpis[${i}]: ${kpiItemProblem(items[i])}. ` : '';
          return `${why}Each KPI is free text or {"metric": "posts"|"clicks"|"engagements"|"engagementPerPost"|"informativeShare", "period": "week"|"month", "target": number, "alertAfter"?: number}`;
        },
      },
    },
    options,
  );
}
