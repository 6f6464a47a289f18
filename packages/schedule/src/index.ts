/**
 * @trellis/schedule — pure schedule arithmetic for recurring pipeline runs (cron in IANA time zones, fixed
 * intervals). No I/O; time zones via Intl.DateTimeFormat. See DST_POLICY for daylight-saving behaviour.
 */
export { parseCron, type Cron, type ParseCronResult } from "./cron.js";
export { isValidTimezone } from "./zone.js";
export {
  DST_POLICY,
  checkTrigger,
  fireTimesBetween,
  intervalAt,
  intervalsInRange,
  nextFireTimes,
  previousFireTime,
  type ScheduleInterval,
  type Trigger,
} from "./schedule.js";
export { describeTrigger } from "./describe.js";
