// The very check the server runs at save and schedule (src/content/content-limits.ts, pure),
// bundled into the page: the composer shows the same sentences before saving.
import { checkMedia, type CheckedMedia, type PlatformLimits } from '../../../src/content/content-limits';

export type ComposedMedia = CheckedMedia;

/**
 * The reasons the channel's platform would refuse these media (count, kinds, types, sizes,
 * alt texts), each naming the limit; empty when they fit. Without limits (not loaded yet),
 * only the channel's alt text rule applies.
 */
export function mediaProblems(
  limits: Pick<PlatformLimits, 'name' | 'media'> | null,
  media: readonly ComposedMedia[],
  requireAltText: boolean,
): string[] {
  return checkMedia(limits ?? { name: 'The platform', media: null }, media, requireAltText);
}
