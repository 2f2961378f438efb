import { Type, type Static } from '@sinclair/typebox';

const ItemName = Type.String({ pattern: '^[a-z0-9_]{2,40}$' });
const Roles = Type.Array(Type.Union([Type.Literal('operator'), Type.Literal('administrator'), Type.Literal('auditor')]), { maxItems: 3 });

/**
 * The agency's account policies: which training and certification each role needs, how often
 * accounts are re-confirmed, and when an account's use is unusual enough to tell the administrator.
 */
export const AccountsSection = Type.Object(
  {
    required_items: Type.Record(ItemName, Roles, {
      default: {},
      description:
        'Training and certification items required before login, and for which roles: e.g. {alpr_training: [operator, administrator], cjis_security: [operator], clets: [operator]}. An account of a listed role with the item missing or expired cannot log in. Empty = nothing required.',
    }),
    expiry_notice_days: Type.Integer({ default: 30, minimum: 1, maximum: 365, description: "Items expiring within this many days are listed on the administrator's Accounts page." }),
    review_interval_days: Type.Integer({
      default: 90,
      minimum: 0,
      maximum: 3650,
      description: 'Every account must be re-confirmed by an administrator this often (roseville 426.4.1: continued need); an account not re-confirmed is disabled on the day it falls due. 0 = no access review.',
    }),
    review_notice_days: Type.Integer({ default: 14, minimum: 1, maximum: 365, description: "Accounts whose review falls due within this many days are listed on the administrator's Accounts page." }),
    check_interval_s: Type.Integer({ default: 300, minimum: 1, maximum: 86_400, description: 'How often overdue reviews, unusual use and the audit chain are checked (seconds).' }),
    chain_check_interval_h: Type.Number({
      default: 6,
      minimum: 0,
      maximum: 168,
      description: 'How often the periodic check also walks the whole audit chain (hours; 0 = at every check). The walk holds the daemon for about 15 ms per 1,000 audit rows (measured: 0.3 s for 20,000 rows), so it runs less often than the rest of the check.',
    }),
    approval_valid_h: Type.Number({
      default: 24,
      exclusiveMinimum: 0,
      maximum: 720,
      description:
        "How long a supervisor's approval of a use outside the purpose list (one use, case, purpose and requester) stays usable (hours): a search approval for that requester's searches, an export approval for one export. A request nobody answers expires after the same time.",
    }),
    unusual_multiple: Type.Number({
      default: 3,
      minimum: 1.5,
      maximum: 100,
      description: "An account's searches, views or exports in a day above this multiple of its own usual daily count (the mean of the previous 28 days with any use) raise an unusual-use alert.",
    }),
    unusual_min_count: Type.Integer({ default: 20, minimum: 1, maximum: 100_000, description: 'The multiple rule applies from this many uses in a day (a quiet account doing 4 searches instead of 1 is not unusual).' }),
    daily_limit: Type.Integer({ default: 200, minimum: 1, maximum: 1_000_000, description: "An account's searches, views or exports in a day above this agency limit raise an unusual-use alert whatever its history." }),
    usual_hours_min_days: Type.Integer({
      default: 10,
      minimum: 1,
      maximum: 365,
      description: "A search outside the hours of day the account has searched in before raises an alert once it has searched on at least this many days of the previous 28 (before that its hours are not known).",
    }),
  },
  { additionalProperties: false, default: {}, description: 'Account policies: training and certification, access review, supervisor-approved uses, unusual-use alerts.' },
);

export type AccountsConfig = Static<typeof AccountsSection>;
